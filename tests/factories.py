"""Builders for test data: jobs, agency configs and config files."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import yaml

from bidflow.config import AgencyConfig
from bidflow.fingerprint import content_hash
from bidflow.models import JobBase
from bidflow.types import utcnow
from connectors.feeds.base import FetchContext

_ids = itertools.count(1)


def make_job(**overrides: Any) -> JobBase:
    """A plausible, passing-by-default job; any field can be overridden."""
    number = next(_ids)
    values: dict[str, Any] = {
        "source": "test",
        "external_id": f"job-{number}",
        "url": f"https://example.test/jobs/{number}",
        "title": f"Build a Django REST API for a booking app #{number}",
        "description": "We need a Python developer to build a Django REST API with PostgreSQL.",
        "category": "Web Development",
        "skills": ["Python", "Django", "PostgreSQL"],
        "job_type": "fixed",
        "budget": 1500.0,
        "posted_at": utcnow(),
        "proposals_bucket": "5 to 10",
        "client_payment_verified": True,
        "client_country": "United States",
        "client_total_spent": 25_000.0,
        "client_hires": 12,
        "client_jobs_posted": 15,
        "client_feedback": 4.8,
    }
    values.update(overrides)
    values.setdefault("content_hash", content_hash(values["title"], values["description"]))
    return JobBase(**values)


def agency_dict(**overrides: Any) -> dict[str, Any]:
    """A small valid agency config as plain data (two bidders, one ruleset, no feeds)."""
    data: dict[str, Any] = {
        "agency": {"name": "Test Agency", "timezone": "UTC"},
        "bidders": [
            {
                "name": "Ana",
                "title": "Python backend engineer",
                "skills": ["Python", "Django", "PostgreSQL", "REST API"],
                "hourly_rate": 60,
                "caps": {"per_hour": 50, "per_day": 100, "per_week": 300},
                "portfolio": [
                    {
                        "title": "Booking API for a clinic chain",
                        "url": "https://portfolio.example/booking",
                        "summary": "Django REST API serving 40 clinics.",
                        "tags": ["Django", "PostgreSQL"],
                    }
                ],
            },
            {
                "name": "Ben",
                "title": "React front-end developer",
                "skills": ["React", "TypeScript", "Next.js"],
                "hourly_rate": 50,
                "caps": {"per_hour": 50, "per_day": 100, "per_week": 300},
            },
        ],
        "rulesets": {
            "default": {
                "budget": {"fixed_min": 300, "hourly_min": 25},
                "client": {"payment_verified": True},
                "competition": {"max_proposals": "20 to 50"},
            }
        },
        "feeds": [],
    }
    data.update(overrides)
    return data


def agency_config(**overrides: Any) -> AgencyConfig:
    return AgencyConfig.model_validate(agency_dict(**overrides))


def write_config(directory: Path, data: dict[str, Any] | None = None) -> Path:
    """Write an agency config file and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "agency.yaml"
    path.write_text(yaml.safe_dump(data or agency_dict(), sort_keys=False), encoding="utf-8")
    return path


def fetch_context(**overrides: Any) -> FetchContext:
    """A poll's context as the ingest flow builds it: now, a home, no cursor, nothing known."""
    values: dict[str, Any] = {"now": utcnow(), "home": Path("/nonexistent-bidflow-home")}
    values.update(overrides)
    return FetchContext(**values)
