"""Upwork GraphQL job search results as jobs: each ``marketplaceJobPostingsSearch`` node mapped
to a JobBase, read field by field with its JSON type checked."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bidflow.config.rulesets import PROPOSAL_BUCKETS
from bidflow.fingerprint import content_hash
from bidflow.models import JobBase
from connectors.feeds.parsing import parse_datetime, tidy_text

JOB_URL = "https://www.upwork.com/jobs/"
_LEVELS = {"ENTRY_LEVEL": "Entry level", "INTERMEDIATE": "Intermediate", "EXPERT": "Expert"}
# Fewest applicants of each marketplace proposals bucket, in the buckets' order.
_BUCKET_FLOORS = tuple(zip((0, 5, 10, 15, 20, 50), PROPOSAL_BUCKETS, strict=True))


def node_to_job(node: Any, *, source: str) -> tuple[JobBase, list[str]]:
    """One search result node as a Job, and a note for each field dropped for its JSON type.

    Fields a node lacks stay None (a node without dates has an unknown ``posted_at``, not the
    poll's time). The client's hire rate is not a field: Upwork does not expose it, and triage
    derives it as ``client_hires / client_jobs_posted``. Raises ValueError when the node cannot
    be a job at all (no ciphertext or id, no title).
    """
    if not isinstance(node, Mapping):
        raise ValueError(f"expected a job object, got {type(node).__name__}")
    read = _Fields(node)
    key = node_key(node)
    if not key:
        raise ValueError("has neither ciphertext nor id")
    title = " ".join((read.text("title") or "").split())
    if not title:
        raise ValueError(f"{key} has no title")
    description = tidy_text(read.text("description") or "")
    ciphertext = read.text("ciphertext")
    low, high = read.money("hourlyBudgetMin"), read.money("hourlyBudgetMax")
    budget = read.money("amount")
    job_type = _job_type(read.text("hourlyBudgetType"), hourly=bool(low or high), fixed=budget)
    applicants = read.whole("totalApplicants")
    level = read.text("experienceLevel")
    verification = read.text("client.verificationStatus")
    category = " > ".join(filter(None, (read.text("category"), read.text("subcategory"))))
    job = JobBase(
        source=source,
        external_id=key,
        url=f"{JOB_URL}{ciphertext}" if ciphertext else None,
        title=title,
        description=description,
        category=category or None,
        skills=read.skills(),
        job_type=job_type,
        budget=budget,
        hourly_min=low,
        hourly_max=high,
        experience_level=_LEVELS.get(level, level)[:32] if level else None,
        posted_at=read.when("publishedDateTime") or read.when("createdDateTime"),
        proposals_count=applicants,
        proposals_bucket=proposals_bucket(applicants),
        client_payment_verified=None if verification is None else verification == "VERIFIED",
        client_country=read.text("client.location.country"),
        client_timezone=read.text("client.location.timezone"),
        client_total_spent=read.number("client.totalSpent.rawValue"),
        client_hires=read.whole("client.totalHires"),
        client_jobs_posted=read.whole("client.totalPostedJobs"),
        client_feedback=read.number("client.totalFeedback"),
        client_reviews=read.whole("client.totalReviews"),
        client_member_since=read.when("client.memberSinceDateTime"),
        weekly_budget=read.money("weeklyBudget"),
        content_hash=content_hash(title, description),
        raw=dict(node),
    )
    return job, list(dict.fromkeys(read.notes))


def proposals_bucket(applicants: int | None) -> str | None:
    """The marketplace's proposals bucket ("Less than 5" … "50+") for a count of applicants."""
    if applicants is None or applicants < 0:
        return None
    return next(bucket for floor, bucket in reversed(_BUCKET_FLOORS) if applicants >= floor)


def _job_type(stated: str | None, *, hourly: bool, fixed: float | None) -> str | None:
    """ "hourly" or "fixed": as the node states it, else as its budget fields show."""
    if stated and stated.upper() in ("HOURLY", "FIXED"):
        return stated.lower()
    return "hourly" if hourly else "fixed" if fixed else None


def node_key(node: Any) -> str | None:
    """The id a node is stored under: its ciphertext (the key in its URL), else its id."""
    if not isinstance(node, Mapping):
        return None
    for name in ("ciphertext", "id"):
        value = node.get(name)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()[:255]
    return None


class _Fields:
    """Typed reads of one node by dotted path; a value of the wrong JSON type reads as None
    and leaves a note in ``notes``."""

    def __init__(self, node: Mapping[str, Any]) -> None:
        self.node = node
        self.notes: list[str] = []

    def get(self, path: str) -> Any:
        value: Any = self.node
        parts = path.split(".")
        for depth, part in enumerate(parts):
            if value is not None and not isinstance(value, Mapping):
                self._note(".".join(parts[:depth]), value, "an object")
                return None
            value = None if value is None else value.get(part)
        return value

    def text(self, path: str) -> str | None:
        value = self.get(path)
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return str(value).strip() or None
        if value is not None:
            self._note(path, value, "text")
        return None

    def number(self, path: str) -> float | None:
        value = self.get(path)
        try:
            number = float(value) if isinstance(value, str | int | float) else math.nan
        except ValueError:
            number = math.nan
        if math.isfinite(number) and not isinstance(value, bool):
            return number
        if value is not None:
            self._note(path, value, "a number")
        return None

    def whole(self, path: str) -> int | None:
        number = self.number(path)
        return None if number is None else int(number)

    def money(self, path: str) -> float | None:
        """A Money's amount; zero counts as none (Upwork sends 0.0 for a budget not set)."""
        return self.number(f"{path}.rawValue") or None

    def when(self, path: str) -> datetime | None:
        value = self.text(path)
        moment = parse_datetime(value)
        if value is not None and moment is None:
            self._note(path, value, "a date")
        return moment

    def skills(self) -> list[str]:
        value = self.get("skills")
        if not isinstance(value, list):
            if value is not None:
                self._note("skills", value, "a list")
            return []
        names = (
            s.get("prettyName") or s.get("name") if isinstance(s, Mapping) else s for s in value
        )
        return [name.strip() for name in names if isinstance(name, str) and name.strip()]

    def _note(self, path: str, value: Any, expected: str) -> None:
        self.notes.append(
            f"field '{path}' = {str(value)[:60]!r} is not {expected}; stored without it"
        )
