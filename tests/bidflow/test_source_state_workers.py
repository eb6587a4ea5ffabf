"""A feed's health row when two workers' polls of it end at the same moment (PostgreSQL): the
first poll ever must not fail on the row's key, and no poll's counts may be lost."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from bidflow import db
from bidflow.models import SourceState
from bidflow.store.sources import record_success

pytestmark = pytest.mark.postgres


def _poll_ended(url: str, new: int) -> None:
    with db.session_scope(url) as session:
        record_success(
            session=session,
            name="jobs-feed",
            kind="rss",
            status="ok",
            fetched=new,
            new=new,
            newest_posted_at=None,
            cursor=None,
        )


def _while_another_commits(url: str, second: Callable[[], None]) -> None:
    """Record a poll of 3 new jobs in a transaction left open while ``second`` runs in another
    thread, as when two workers' polls end together; then commit and wait for ``second``."""
    errors: list[BaseException] = []

    def run_second() -> None:
        try:
            second()
        except BaseException as exc:  # the thread's failure is the test's
            errors.append(exc)

    thread = threading.Thread(target=run_second)
    with db.session_scope(url) as session:
        record_success(
            session=session,
            name="jobs-feed",
            kind="rss",
            status="ok",
            fetched=3,
            new=3,
            newest_posted_at=None,
            cursor=None,
        )
        session.flush()
        thread.start()
        time.sleep(0.5)  # the second poll reaches the row while this one holds it
    thread.join(timeout=30)
    assert errors == []


def test_a_first_poll_ending_on_two_workers_creates_the_row_once(postgres_url: str) -> None:
    _while_another_commits(postgres_url, lambda: _poll_ended(postgres_url, 4))

    with db.session_scope(postgres_url) as session:
        state = session.get(SourceState, "jobs-feed")
        assert state is not None
        assert (state.total_new, state.status) == (7, "ok")


def test_polls_ending_together_both_count(postgres_url: str) -> None:
    _poll_ended(postgres_url, 10)  # the feed has been polled before

    _while_another_commits(postgres_url, lambda: _poll_ended(postgres_url, 4))

    with db.session_scope(postgres_url) as session:
        state = session.get(SourceState, "jobs-feed")
        assert state is not None
        assert state.total_new == 10 + 3 + 4
