"""What every flow starts from: settings, the agency config, a migrated database, synced bidders."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from bidflow import db
from bidflow.config import AgencyConfig, load_agency_config
from bidflow.settings import Settings, get_settings
from bidflow.store.bidders import sync_bidders
from rules.triage import BidderSlot


@dataclass(frozen=True)
class FlowContext:
    """The agency a flow works for, and where its data lives."""

    settings: Settings
    agency: AgencyConfig
    url: str
    bidders: tuple[BidderSlot, ...]


@lru_cache(maxsize=8)
def _migrated(url: str) -> str:
    # Once per process and database: alembic start-up costs more than a whole triage batch.
    db.upgrade(url)
    return url


def _id(value: int | None) -> int:
    if value is None:  # sync_bidders flushes, so every row has its key
        raise RuntimeError("bidder row was not flushed")
    return value


def flow_context(config_path: str | None = None) -> FlowContext:
    """Load the config (``config_path`` or the settings' default) and prepare the database."""
    settings = get_settings()
    agency = load_agency_config(Path(config_path) if config_path else settings.config_path)
    url = _migrated(settings.resolved_database_url)
    with db.session_scope(url) as session:
        rows = sync_bidders(session=session, bidders=agency.bidders)
        slots = tuple(BidderSlot(id=_id(rows[b.name].id), config=b) for b in agency.bidders)
    return FlowContext(settings=settings, agency=agency, url=url, bidders=slots)
