"""Failed polls are retried within the run, and a dead source never stops the others: through
the ingest and inbox flows on the Prefect test server, against real local servers. A run's
retries count as one failed poll towards the owners' alert."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from sqlmodel import Session

import flows.inbox
import flows.ingest
from bidflow import db
from bidflow.config import AgencyConfig
from bidflow.models import SourceState
from flows.context import flow_context
from flows.inbox import inbox_flow
from flows.ingest import ingest_flow
from flows.retries import INBOX_RETRIES, POLL_RETRIES, feed_retried_in_run
from tests.connectors.email.imap_server import ImapServer
from tests.connectors.feed_builders import rss_document, rss_item
from tests.connectors.notify.servers import Webhook
from tests.connectors.servers import Reply, Request, serve
from tests.connectors.upwork.fake_server import FakeUpwork, fake_upwork
from tests.factories import agency_config, agency_dict, write_config
from tests.flows.inbox_world import (
    FULL,
    client_writes_in_the_room,
    sent_job,
)

__all__ = ["fake_upwork"]

RSS = rss_document(
    rss_item("Django API for a clinic", "https://jobs.example/1")
    + rss_item("Python ETL pipeline", "https://jobs.example/2")
).encode()


@pytest.fixture(autouse=True)
def _no_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same retries, without their seconds of backoff."""
    fast_poll = flows.ingest.poll_source.with_options(retry_delay_seconds=0.01)
    fast_inbox = flows.inbox.poll_inbox_task.with_options(retry_delay_seconds=0.01)
    monkeypatch.setattr(flows.ingest, "poll_source", fast_poll)
    monkeypatch.setattr(flows.inbox, "poll_inbox_task", fast_inbox)


def _state(session: Session, name: str) -> SourceState:
    state = session.get(SourceState, name)
    assert state is not None
    return state


def test_a_feed_that_fails_once_is_polled_again_in_the_same_run(tmp_path: Path) -> None:
    replies = {"/flaky": [Reply(status=503, body=b"busy")], "/dead": []}

    def answer(request: Request) -> Reply:
        queued = replies[request.path]
        if queued:
            return queued.pop(0)
        if request.path == "/dead":
            return Reply(status=503, body=b"down")
        return Reply(body=RSS, headers={"Content-Type": "application/rss+xml"})

    (tmp_path / "local.json").write_text('[{"id": "9", "title": "Shopify theme fixes"}]')
    with serve(answer) as server:
        data = agency_dict(
            feeds=[
                {"name": "flaky", "kind": "rss", "url": server.url("/flaky")},
                {"name": "dead", "kind": "rss", "url": server.url("/dead")},
                {"name": "local", "kind": "files", "path": "local.json"},
            ]
        )
        config = write_config(tmp_path, yaml.safe_load(yaml.safe_dump(data)))

        summaries = {s.source: s for s in ingest_flow(str(config))}

        paths = [request.path for request in server.requests]
    assert (summaries["flaky"].new, summaries["flaky"].error) == (2, None)
    assert paths.count("/flaky") == 2  # the 503, then the feed
    assert summaries["dead"].error is not None and "503" in summaries["dead"].error
    assert paths.count("/dead") == 1 + POLL_RETRIES
    assert summaries["local"].new == 1  # the dead feed stopped nobody
    with db.session_scope(flow_context(str(config)).url) as session:
        assert (_state(session, "flaky").status, _state(session, "flaky").consecutive_failures) == (
            "ok",
            0,
        )
        # Three tries in one run are one failed poll: the owners hear of it after three runs.
        assert _state(session, "dead").consecutive_failures == 1


@contextmanager
def _hanging_up_server() -> Iterator[tuple[int, list[float]]]:
    """A TCP server that accepts each connection and closes it at once (a dead IMAP server);
    yields its port and a list that gets one entry (the time) per connection."""
    accepted: list[float] = []
    listener = socket.create_server(("127.0.0.1", 0))

    def serve_forever() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            accepted.append(time.monotonic())
            connection.close()

    thread = threading.Thread(target=serve_forever, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], accepted
    finally:
        listener.close()
        thread.join(timeout=5)


def test_a_dead_inbox_source_is_retried_and_the_reply_from_the_other_is_alerted(
    bidflow_home: Path,
    fake_upwork: FakeUpwork,
    imap: ImapServer,
    hook: Webhook,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    node, config, _ = sent_job(fake_upwork, bidflow_home, imap, monkeypatch)
    client_writes_in_the_room(fake_upwork, node, FULL)
    with _hanging_up_server() as (port, accepted):
        data = yaml.safe_load(config.read_text())
        (mail,) = [entry for entry in data["inbox"] if entry["kind"] == "email"]
        mail["port"] = port
        config.write_text(yaml.safe_dump(data))

        summaries = {s.source: s for s in inbox_flow(config_path=str(config))}

        tries = len(accepted)
    assert (summaries["upwork-inbox"].new, summaries["upwork-inbox"].error) == (1, None)
    assert summaries["upwork-mail"].error is not None
    assert tries == 1 + INBOX_RETRIES
    (payload,) = hook.payloads
    assert "Could you start on Monday?" in str(payload)
    with db.session_scope(flow_context(str(config)).url) as session:
        assert _state(session, "inbox:upwork-mail").consecutive_failures == 1


@pytest.mark.parametrize(
    ("feed", "retried"),
    [
        ({"kind": "rss", "url": "https://feeds.example/jobs.rss"}, True),
        ({"kind": "rss", "url": "jobs.rss"}, False),  # a local file: seconds change nothing
        ({"kind": "files", "path": "jobs.json"}, False),
        ({"kind": "email", "host": "imap.example", "username": "u", "password_env": "P"}, True),
        ({"kind": "upwork_api", "client_id": "id", "searches": [{"name": "py"}]}, False),
    ],
)
def test_sources_whose_client_retries_itself_or_that_are_local_are_not_retried_again(
    feed: dict[str, object], retried: bool
) -> None:
    agency: AgencyConfig = agency_config(feeds=[{"name": "f", **feed}])
    assert feed_retried_in_run(agency.feeds[0]) is retried
