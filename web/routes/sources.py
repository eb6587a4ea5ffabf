"""The Sources page: every configured feed with its health."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from bidflow.config import FeedConfig
from bidflow.config.inbox import InboxSourceConfig
from bidflow.errors import ConfigError
from bidflow.store.sources import FAILING_AFTER, all_source_states
from bidflow.types import utcnow
from connectors.feeds.health import build_rows
from web.auth import REVIEWERS
from web.config_file import AgencyConfigFile, one_line
from web.deps import SessionDep
from web.templating import templates

router = APIRouter(tags=["sources"])


@router.get("/sources", dependencies=[REVIEWERS])
def sources_page(request: Request, session: SessionDep) -> Response:
    """Configured feeds and inbox sources with their health, then stored ones that left the
    config."""
    config_file: AgencyConfigFile = request.app.state.agency_config
    feeds: list[FeedConfig] | None
    inbox: list[InboxSourceConfig] = []
    try:
        agency = config_file.load()
        feeds, inbox, config_error = list(agency.feeds), list(agency.inbox), None
    except ConfigError as exc:
        feeds, config_error = None, one_line(exc)
    rows = build_rows(feeds, all_source_states(session=session), now=utcnow(), inbox=inbox)
    context = {
        "rows": rows,
        "config_error": config_error,
        "config_path": str(config_file.path),
        "failing_after": FAILING_AFTER,
    }
    return templates.TemplateResponse(request, "sources.html", context)
