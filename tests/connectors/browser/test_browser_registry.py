"""The browser feed as the agency config describes it: built through the registry, and refused
through ``poll_feed`` when it points at Upwork (recorded in the feed's health, no browser run)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bidflow.config import AgencyConfig
from bidflow.settings import Settings
from bidflow.types import utcnow
from connectors.feeds.browser import BrowserSource
from connectors.feeds.polling import poll_feed
from connectors.feeds.registry import build_source
from tests.factories import agency_dict


def _agency(url: str, base: Path) -> AgencyConfig:
    feed = {
        "name": "board",
        "kind": "browser",
        "url": url,
        "selectors": {"item": ".job", "title": "h2", "link": "a"},
        "login_state": "state/board.json",
        "min_interval": "10m",
    }
    return AgencyConfig.model_validate(agency_dict(feeds=[feed])).with_base_dir(base)


def test_config_fields_reach_the_source(tmp_path: Path) -> None:
    agency = _agency("https://jobs.example.com/list", tmp_path)
    source = build_source(agency.feeds[0], agency)
    assert isinstance(source, BrowserSource)
    assert source.login_state == tmp_path / "state" / "board.json"
    assert (source.url, source.min_interval) == (
        "https://jobs.example.com/list",
        timedelta(minutes=10),
    )


def test_upwork_is_refused_and_the_refusal_is_the_feeds_health(
    sqlite_url: str, tmp_path: Path
) -> None:
    agency = _agency("https://www.upwork.com/nx/search/jobs/?q=django", tmp_path)
    settings = Settings(home=tmp_path, database_url=sqlite_url)
    summary = poll_feed(agency.feeds[0], agency, settings, sqlite_url, utcnow())
    assert summary.error is not None and "upwork_api" in summary.error
