"""Liveness check for process managers and the browser tests."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """Answers as soon as the app can serve requests."""
    return {"status": "ok"}
