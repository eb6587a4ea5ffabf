"""A whole poll through ``poll_feed``: cursors (ETags) saved with the jobs, health, alerts,
label mappings, due feeds, and a poll killed halfway then repeated."""

from __future__ import annotations

import html
import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, text
from sqlmodel import select

from bidflow import db
from bidflow.config import AgencyConfig
from bidflow.models import Alert, Job, SourceState
from bidflow.settings import Settings
from bidflow.types import utcnow
from connectors.feeds.polling import due_feeds, poll_feed
from tests.connectors.feed_builders import rss_document, rss_item
from tests.connectors.servers import Reply, Request, serve, unused_port
from tests.factories import agency_dict


def _agency(feeds: list[dict[str, Any]], base: Path) -> AgencyConfig:
    return AgencyConfig.model_validate(agency_dict(feeds=feeds)).with_base_dir(base)


def _state(url: str, name: str) -> SourceState:
    with db.session_scope(url) as session:
        state = session.get(SourceState, name)
        assert state is not None
        return state


def _header(request: Request, name: str) -> str | None:
    return {k.lower(): v for k, v in request.headers.items()}.get(name.lower())


def test_etag_is_saved_with_the_jobs_and_sent_back(sqlite_url: str, tmp_path: Path) -> None:
    feed = rss_document(rss_item("Django API", "https://jobs.example/1"))

    def answer(request: Request) -> Reply:
        if _header(request, "If-None-Match") == '"v1"':
            return Reply(status=304)
        return Reply(
            body=feed.encode(),
            headers={"ETag": '"v1"', "Last-Modified": "Sat, 21 Nov 2026 10:00:00 GMT"},
        )

    with serve(answer) as server:
        agency = _agency([{"name": "board", "kind": "rss", "url": server.url("/rss")}], tmp_path)
        settings = Settings(home=tmp_path, database_url=sqlite_url)
        first = poll_feed(agency.feeds[0], agency, settings, sqlite_url, utcnow())
        assert (first.status, first.new) == ("ok", 1)
        assert _state(sqlite_url, "board").cursor == {
            "etag": '"v1"',
            "modified": "Sat, 21 Nov 2026 10:00:00 GMT",
        }
        second = poll_feed(agency.feeds[0], agency, settings, sqlite_url, utcnow())
        sent = server.requests[-1]
    assert (second.status, second.fetched, second.new) == ("not_modified", 0, 0)
    assert _header(sent, "If-None-Match") == '"v1"'
    assert _header(sent, "If-Modified-Since") == "Sat, 21 Nov 2026 10:00:00 GMT"
    state = _state(sqlite_url, "board")
    assert (state.status, state.total_new, state.consecutive_failures) == ("not_modified", 1, 0)


def test_feed_specific_labels_fill_job_fields(sqlite_url: str, tmp_path: Path) -> None:
    body = html.escape(
        "Build a Django API.<br /><b>Pay</b>: $1,200<br /><b>Where</b>: Portugal"
        "<br /><b>Bids so far</b>: 5 to 10"
    )
    (tmp_path / "board.rss").write_text(rss_document(rss_item("API", "https://b.example/1", body)))
    labels = {"Pay": "budget", "Where": "client_country", "Bids so far": "proposals"}
    agency = _agency(
        [{"name": "board", "kind": "rss", "url": "board.rss", "labels": labels}], tmp_path
    )
    settings = Settings(home=tmp_path, database_url=sqlite_url)
    assert poll_feed(agency.feeds[0], agency, settings, sqlite_url, utcnow()).new == 1
    with db.session_scope(sqlite_url) as session:
        job = session.exec(select(Job)).one()
    assert (job.budget, job.client_country, job.proposals_bucket) == (1200.0, "Portugal", "5 to 10")
    assert job.description == "Build a Django API."


def test_only_due_feeds_are_polled(sqlite_url: str, tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("[]")
    feeds: list[dict[str, Any]] = [
        {"name": "fast", "kind": "files", "path": "a.json", "poll_every": "1m"},
        {"name": "slow", "kind": "files", "path": "a.json", "poll_every": "1h"},
        {"name": "off", "kind": "files", "path": "a.json", "enabled": False},
    ]
    agency = _agency(feeds, tmp_path)
    settings = Settings(home=tmp_path, database_url=sqlite_url)
    now = utcnow()
    assert [f.name for f in due_feeds(agency, sqlite_url, now)] == ["fast", "slow"]
    for feed in agency.feeds[:2]:
        poll_feed(feed, agency, settings, sqlite_url, now)
    later = now + timedelta(minutes=2)
    assert [f.name for f in due_feeds(agency, sqlite_url, later)] == ["fast"]


def test_a_feed_failing_three_times_raises_one_alert(sqlite_url: str, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{unused_port()}/rss"
    agency = _agency([{"name": "dead", "kind": "rss", "url": url}], tmp_path)
    settings = Settings(home=tmp_path, database_url=sqlite_url)
    for _ in range(4):
        summary = poll_feed(agency.feeds[0], agency, settings, sqlite_url, utcnow())
        assert summary.error is not None and url in summary.error
    state = _state(sqlite_url, "dead")
    assert (state.status, state.consecutive_failures) == ("error", 4)
    with db.session_scope(sqlite_url) as session:
        alerts = session.exec(select(Alert)).all()
    assert len(alerts) == 1
    assert alerts[0].kind == "source_failing" and "Feed 'dead' has failed 3 polls" in alerts[0].text


def test_an_ingest_killed_halfway_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    count = 30_000
    jobs = [
        {"id": f"j{n}", "title": f"Job {n}", "description": f"Text of job {n}", "budget": "$500"}
        for n in range(count)
    ]
    (tmp_path / "big.json").write_text(json.dumps(jobs))
    config = tmp_path / "agency.yaml"
    config.write_text(
        json.dumps(agency_dict(feeds=[{"name": "big", "kind": "files", "path": "big.json"}]))
    )
    url = f"sqlite:///{tmp_path / 'kill.db'}"
    db.upgrade(url)
    command = [sys.executable, "-c", "from bidflow.cli import main; main()", "ingest"]
    env = {
        "BIDFLOW_HOME": str(tmp_path),
        "BIDFLOW_DATABASE_URL": url,
        "BIDFLOW_CONFIG": str(config),
    }
    process = subprocess.Popen(command, env={**os.environ, **env}, stdout=subprocess.DEVNULL)
    stored_at_kill = _wait_until_partly_stored(url, count, process)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert 0 < stored_at_kill < count, "the ingest was not caught halfway; make the file larger"

    rerun = subprocess.run(
        command, env={**os.environ, **env}, capture_output=True, text=True, timeout=300
    )
    assert rerun.returncode == 0, rerun.stderr
    with db.get_engine(url).connect() as connection:
        total, distinct = connection.execute(
            text("SELECT count(*), count(DISTINCT external_id) FROM job")
        ).one()
    assert total == distinct == count
    assert (
        _state(url, "big").total_new == count - stored_at_kill or _state(url, "big").total_new > 0
    )


def _wait_until_partly_stored(url: str, count: int, process: subprocess.Popen[bytes]) -> int:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        with db.session_scope(url) as session:
            stored = int(session.exec(select(func.count()).select_from(Job)).one())
        if stored > 0:
            return stored
        time.sleep(0.02)
    return -1


def test_a_run_a_moment_early_still_polls_a_due_feed(sqlite_url: str, tmp_path: Path) -> None:
    """Runs every minute start with jitter: a poll 300 ms short of a minute after the last one
    is due (else every other run would skip it), one 10 s short is not."""
    (tmp_path / "a.json").write_text("[]")
    agency = _agency(
        [{"name": "fast", "kind": "files", "path": "a.json", "poll_every": "1m"}], tmp_path
    )
    settings = Settings(home=tmp_path, database_url=sqlite_url)
    now = utcnow()
    poll_feed(agency.feeds[0], agency, settings, sqlite_url, now)

    jittered = now + timedelta(seconds=59.7)
    early = now + timedelta(seconds=50)

    assert [f.name for f in due_feeds(agency, sqlite_url, jittered)] == ["fast"]
    assert due_feeds(agency, sqlite_url, early) == []
