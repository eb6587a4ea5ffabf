"""Each feed's health in words: the rows of the web app's Sources page and `bidflow sources`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bidflow.config import FeedConfig
from bidflow.config.inbox import InboxSourceConfig
from bidflow.models import SourceState
from bidflow.store.sources import FAILING_AFTER
from bidflow.wording import ago, span
from connectors.feeds.registry import PUSH_KINDS
from connectors.inbox.polling import source_key

# Badge colour of each feed status: good (read fine), neutral (nothing wrong, nothing read),
# warn (a person must act: sign in again, solve a captcha), bad (broken until someone fixes it).
_TONES = {
    "ok": "good",
    "not_modified": "good",
    "waiting": "neutral",
    "never_polled": "neutral",
    "logged_out": "warn",
    "captcha": "warn",
    "layout_changed": "bad",
    "blocked": "bad",
    "error": "bad",
}


@dataclass(frozen=True)
class SourceRow:
    """One feed on the Sources page, its config and health already worded for display."""

    name: str
    kind: str
    enabled: bool | None  # None: the config could not be read
    schedule: str  # "every 2 min", "pushed", or "" when unknown
    removed: bool  # health is stored, but the feed is no longer in the config
    status: str  # the stored status, e.g. "layout_changed", or "never_polled"
    status_label: str  # "layout changed"
    tone: str  # badge colour: good, neutral, warn or bad
    last_success: str  # "3 min ago" or "never"
    last_success_iso: str | None
    last_error: str | None
    last_error_ago: str
    last_error_iso: str | None
    failures: int  # consecutive failed polls
    failing: bool  # failures reached the alerting threshold
    last_fetched: int
    last_new: int
    total_new: int
    lag: str  # how old the newest job is, "12 min", or "—" when no job has arrived


def build_rows(
    feeds: Sequence[FeedConfig] | None,
    states: Sequence[SourceState],
    *,
    now: datetime,
    inbox: Sequence[InboxSourceConfig] = (),
) -> list[SourceRow]:
    """One row per configured feed in config order, then one per polled inbox source, then
    one per stored state whose source is gone; with ``feeds`` None (config unreadable) one
    row per stored state."""
    by_name = {state.name: state for state in states}
    if feeds is None:
        return [_row(state.name, state.kind, None, "", False, state, now) for state in states]
    rows = [
        _row(f.name, f.kind, f.enabled, _schedule(f), False, by_name.get(f.name), now)
        for f in feeds
    ]
    for entry in inbox:
        key = source_key(entry)
        schedule = _every(entry.poll_every)
        rows.append(
            _row(key, f"inbox_{entry.kind}", entry.enabled, schedule, False, by_name.get(key), now)
        )
    configured = {feed.name for feed in feeds} | {source_key(entry) for entry in inbox}
    rows += [
        _row(s.name, s.kind, None, "", True, s, now) for s in states if s.name not in configured
    ]
    return rows


def _row(
    name: str,
    kind: str,
    enabled: bool | None,
    schedule: str,
    removed: bool,
    state: SourceState | None,
    now: datetime,
) -> SourceRow:
    state = state or SourceState(name=name, kind=kind)
    status = state.status or "never_polled"
    return SourceRow(
        name=name,
        kind=kind,
        enabled=enabled,
        schedule=schedule,
        removed=removed,
        status=status,
        status_label=status.replace("_", " "),
        tone=_TONES.get(status, "bad"),
        last_success=ago(state.last_success_at, now=now) if state.last_success_at else "never",
        last_success_iso=_iso(state.last_success_at),
        last_error=state.last_error,
        last_error_ago=ago(state.last_error_at, now=now) if state.last_error_at else "",
        last_error_iso=_iso(state.last_error_at),
        failures=state.consecutive_failures,
        failing=state.consecutive_failures >= FAILING_AFTER,
        last_fetched=state.last_fetched,
        last_new=state.last_new,
        total_new=state.total_new,
        lag="—" if state.newest_posted_at is None else span(now - state.newest_posted_at),
    )


def _schedule(feed: FeedConfig) -> str:
    if feed.kind in PUSH_KINDS:
        return "pushed"
    return _every(feed.poll_every)


def _every(interval: timedelta) -> str:
    seconds = int(interval.total_seconds())
    return f"every {seconds} s" if seconds < 60 else f"every {span(interval)}"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
