"""The Upwork API feed through the registry and ``poll_feed`` into the database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import func, select

from bidflow import db
from bidflow.config import AgencyConfig
from bidflow.models import Job
from bidflow.settings import Settings
from bidflow.types import utcnow
from connectors.feeds.polling import poll_feed
from connectors.feeds.registry import build_source
from connectors.feeds.upwork_api import UpworkApiSource
from tests.connectors.upwork.fake_server import FakeUpwork
from tests.connectors.upwork.nodes import make_nodes
from tests.connectors.upwork.support import connect_feed, feed_config
from tests.factories import agency_dict


def test_new_jobs_arrive_and_known_ones_stop_the_paging(
    fake_upwork: FakeUpwork, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("UPWORK_CLIENT_SECRET", fake_upwork.client_secret)
    feed = feed_config(fake_upwork, page_size=5).model_dump(mode="json")
    agency = AgencyConfig.model_validate(agency_dict(feeds=[feed]))
    source = build_source(agency.feeds[0], agency)
    assert isinstance(source, UpworkApiSource)
    connect_feed(fake_upwork, source, tmp_path)
    settings = Settings(home=tmp_path, database_url=sqlite_url)
    fake_upwork.publish(*make_nodes(12))

    first = poll_feed(agency.feeds[0], agency, settings, sqlite_url, utcnow())
    assert (first.error, first.new) == (None, 12)

    fake_upwork.publish(*make_nodes(2))
    pages_before = len(fake_upwork.requests("graphql"))
    second = poll_feed(agency.feeds[0], agency, settings, sqlite_url, utcnow())
    assert second.new == 2
    assert len(fake_upwork.requests("graphql")) - pages_before == 1  # stopped at a known job
    with db.session_scope(sqlite_url) as session:
        assert session.exec(select(func.count()).select_from(Job)).one() == 14
