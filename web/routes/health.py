"""Liveness and readiness checks for process managers and the browser tests."""

from __future__ import annotations

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from bidflow.db import get_engine

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """Answers as soon as the app can serve requests."""
    return {"status": "ok"}


@router.get("/healthz/ready")
def ready(request: Request) -> JSONResponse:
    """200 when the database answers and, under `bidflow serve`, the Prefect API too (it runs
    the schedules); else 503 with the first reason in plain words."""
    checks: dict[str, str] = {}
    reasons: list[str] = []
    try:
        with get_engine(request.app.state.database_url).connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any driver error means the same to a process manager
        checks["database"] = "unreachable"
        reasons.append(f"the database cannot be reached: {type(exc).__name__}")
    prefect_api_url: str | None = getattr(request.app.state, "prefect_api_url", None)
    if prefect_api_url:
        try:
            answer = httpx.get(f"{prefect_api_url.rstrip('/')}/health", timeout=2.0)
            checks["prefect"] = "ok" if answer.status_code == 200 else "unreachable"
        except httpx.HTTPError:
            checks["prefect"] = "unreachable"
        if checks["prefect"] != "ok":
            reasons.append(f"the Prefect API at {prefect_api_url} does not answer")
    if reasons:
        body = {"status": "unavailable", "reason": reasons[0], "checks": checks}
        return JSONResponse(body, status_code=503)
    return JSONResponse({"status": "ready", "checks": checks})
