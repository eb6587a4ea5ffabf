"""Feed state between polls (cursors, ETags) and each feed's health."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from bidflow.models import SourceState
from bidflow.store.alerts import raise_alert
from bidflow.store.upsert import insert_ignoring_duplicates
from bidflow.types import utcnow

# After this many failed polls in a row a source is reported as failing (and alerted on).
FAILING_AFTER = 3
# How early a poll may come and still count as due (see ``is_due``).
MAX_POLL_SLACK = timedelta(seconds=5)


def source_state(*, session: Session, name: str, kind: str) -> SourceState:
    """The stored state of feed ``name``, created empty on first use, and locked until the
    transaction ends: when two workers' polls of one feed end together, the second waits and
    adds its counts to the first's instead of overwriting them (or, on the feed's first poll,
    failing on the row's key)."""
    values = SourceState(name=name, kind=kind).model_dump()
    session.execute(insert_ignoring_duplicates(session, SourceState), [values])
    state = session.get(SourceState, name, with_for_update=True, populate_existing=True)
    if state is None:  # cannot be: the row was inserted above, or by another worker before
        raise RuntimeError(f"the state of feed {name} vanished")
    return state


def all_source_states(*, session: Session) -> Sequence[SourceState]:
    return session.exec(select(SourceState).order_by(col(SourceState.name))).all()


def is_due(state: SourceState | None, every: timedelta, now: datetime) -> bool:
    """Whether a source polled every ``every`` should be polled at ``now``.

    A run scheduled every ``every`` starts each poll a little earlier or later than the last
    one did (scheduler and start-up jitter); without some slack every other run would find its
    source a few milliseconds short of due and skip it, doubling the wait for news.
    """
    if state is None or state.last_polled_at is None:
        return True
    slack = min(every / 10, MAX_POLL_SLACK)
    return state.last_polled_at + every - slack <= now


def record_success(
    *,
    session: Session,
    name: str,
    kind: str,
    status: str,
    fetched: int,
    new: int,
    newest_posted_at: datetime | None,
    cursor: dict[str, Any] | None,
    now: datetime | None = None,
) -> SourceState:
    """Note a poll that read the feed; ``cursor`` (when given) replaces the saved one. Called in
    the transaction that stores the poll's last jobs, so a cursor never runs ahead of them."""
    now = now or utcnow()
    state = source_state(session=session, name=name, kind=kind)
    state.status = status
    state.last_polled_at = state.last_success_at = now
    state.consecutive_failures = 0
    state.last_fetched = fetched
    state.last_new = new
    state.total_new += new
    if newest_posted_at is not None and (
        state.newest_posted_at is None or newest_posted_at > state.newest_posted_at
    ):
        state.newest_posted_at = newest_posted_at
    if cursor is not None:
        state.cursor = cursor
    session.add(state)
    return state


def record_failure(
    *, session: Session, name: str, kind: str, error: str, now: datetime | None = None
) -> SourceState:
    """Note a poll (or push) that could not be read at all. From the ``FAILING_AFTER``-th failure
    in a row, an alert for the owners is queued, once per run of failures: every way a feed can
    fail (polled or pushed) alerts the same way."""
    now = now or utcnow()
    state = source_state(session=session, name=name, kind=kind)
    state.status = "error"
    state.last_polled_at = state.last_error_at = now
    state.last_error = error
    state.consecutive_failures += 1
    session.add(state)
    if state.consecutive_failures >= FAILING_AFTER:
        since = state.last_success_at.isoformat() if state.last_success_at else "never"
        raise_alert(
            session=session,
            dedupe_key=f"source-failing:{name}:{since}",
            kind="source_failing",
            recipient="owners",
            text=(
                f"Feed '{name}' has failed {state.consecutive_failures} polls in a row"
                f" (last success: {since}). Last error: {error}"
            ),
        )
    return state
