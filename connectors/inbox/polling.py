"""One poll of one inbox source, end to end: fetch with the saved cursor, then store the items,
the new cursor and the source's health in one transaction (so a cursor never runs ahead of
the messages it covers, and a poll killed halfway is simply repeated: messages are unique per
source and id).

Plain functions: the inbox flow runs them as tasks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from bidflow import db
from bidflow.config import AgencyConfig
from bidflow.config.inbox import InboxSourceConfig
from bidflow.errors import FeedError
from bidflow.models import SourceState
from bidflow.settings import Settings
from bidflow.store.sources import all_source_states, is_due, record_failure, record_success
from connectors.inbox.base import InboxContext
from connectors.inbox.registry import inbox_source
from connectors.inbox.storing import store_items

log = logging.getLogger(__name__)

# Inbox sources keep their cursor and health beside the job feeds', under this prefix (a feed
# and an inbox source may share a name), and their messages carry it as their source.
PREFIX = "inbox:"


def source_key(entry: InboxSourceConfig) -> str:
    """The name an inbox source's state and messages are stored under."""
    return f"{PREFIX}{entry.name}"


@dataclass
class InboxSummary:
    """One inbox source's poll: what was read and stored, and what went wrong."""

    source: str
    fetched: int = 0
    new: int = 0
    duplicates: int = 0
    matched: int = 0
    unmatched: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)
    error: str | None = None


def due_inbox_sources(
    agency: AgencyConfig, url: str, now: datetime, *, include_not_due: bool = False
) -> list[InboxSourceConfig]:
    """Enabled inbox sources whose interval has passed since their last poll (all of them
    with ``include_not_due``)."""
    entries = [entry for entry in agency.inbox if entry.enabled]
    if include_not_due or not entries:
        return entries
    with db.session_scope(url) as session:
        states = {state.name: state for state in all_source_states(session=session)}
    return [e for e in entries if is_due(states.get(source_key(e)), e.poll_every, now)]


def poll_inbox(
    entry: InboxSourceConfig,
    agency: AgencyConfig,
    settings: Settings,
    url: str,
    now: datetime,
    *,
    retrying: bool = False,
) -> InboxSummary:
    """Poll ``entry`` once and store what it yields. Never raises for the source's own
    failures: they are recorded in its health (owners are alerted when it keeps failing) and
    returned in ``error``, so the other sources go on.

    ``retrying``: the caller polls again soon if this poll raises (a Prefect task with retries
    left), so a source that cannot be read raises instead of being recorded: a run's retries
    count as one failed poll, not one each."""
    key, kind = source_key(entry), f"inbox_{entry.kind}"
    summary = InboxSummary(source=entry.name)
    with db.session_scope(url) as session:
        saved = session.get(SourceState, key)
        cursor = dict(saved.cursor) if saved is not None else {}
    try:
        batch = inbox_source(entry, agency).fetch(
            InboxContext(now=now, home=settings.home, cursor=cursor)
        )
    except FeedError as exc:
        if retrying:
            raise
        error = str(exc)
    except Exception as exc:  # a bug in one source must not stop the others
        if retrying:
            raise
        log.exception("inbox source %s failed unexpectedly", entry.name)
        error = f"{entry.name}: unexpected {type(exc).__name__}: {exc}"
    else:
        with db.session_scope(url, write=True) as session:
            stored = store_items(session=session, source=key, items=batch.items)
            record_success(
                session=session,
                name=key,
                kind=kind,
                status="ok",
                fetched=len(batch.items),
                new=stored.new,
                newest_posted_at=None,
                cursor=batch.cursor,
                now=now,
            )
        summary.fetched, summary.new = len(batch.items), stored.new
        summary.duplicates, summary.matched = stored.duplicates, stored.matched
        summary.unmatched, summary.problems = len(stored.unmatched), batch.problems
        summary.skipped = batch.skipped
        return summary
    summary.error = error
    with db.session_scope(url) as session:
        record_failure(session=session, name=key, kind=kind, error=error, now=now)
    return summary
