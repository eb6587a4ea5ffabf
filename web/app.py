"""The review desk application: ``uvicorn --factory web.app:create_app``."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from itsdangerous import TimestampSigner

from bidflow.db import upgrade
from bidflow.settings import Settings, get_settings
from web.auth import Forbidden, SignInRequired, secret_key
from web.config_file import AgencyConfigFile
from web.csrf import CSRFMiddleware
from web.errors import HANDLED, handle_error, refuse, to_sign_in
from web.routes import (
    draft,
    followups,
    guardrails,
    health,
    hooks,
    inbox,
    message_hooks,
    proposals,
    queue,
    reports,
    signin,
    sources,
    versions,
)
from web.templating import STATIC


def create_app(settings: Settings | None = None) -> FastAPI:
    """The review desk for ``settings`` (default: this process's settings, read now).

    Brings the database to the current schema first, so a fresh BIDFLOW_HOME just works.
    """
    settings = settings or get_settings()
    database_url = settings.resolved_database_url
    upgrade(database_url)

    # The desk is pages for people, not an API: no generated API docs to keep in step.
    app = FastAPI(title="bidflow review desk", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.state.database_url = database_url
    # Read on first use and again when the file changes, so a bad or missing config does not stop
    # the desk from starting and edits to feeds apply without a restart.
    app.state.agency_config = AgencyConfigFile(settings.config_path)
    app.state.signer = TimestampSigner(secret_key(settings.home), salt="bidflow-session")
    app.add_middleware(CSRFMiddleware)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in (queue.router, proposals.router, sources.router, hooks.router, health.router):
        app.include_router(router)
    app.include_router(versions.router)
    for router in (signin.router, draft.router, inbox.router, reports.router, guardrails.router):
        app.include_router(router)
    for router in (message_hooks.router, followups.router):
        app.include_router(router)
    for exc_class in HANDLED:
        app.add_exception_handler(exc_class, handle_error)
    app.add_exception_handler(SignInRequired, to_sign_in)
    app.add_exception_handler(Forbidden, refuse)
    return app
