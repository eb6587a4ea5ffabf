"""One item of a jobs file (a JSON object or a CSV row) as a Job, through a field mapping."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from bidflow.fingerprint import content_hash_of_tidy
from bidflow.models import JobBase
from connectors.feeds.base import FeedBatch, FetchContext
from connectors.feeds.parsing import (
    html_to_text,
    parse_datetime,
    parse_money,
    parse_money_range,
    split_list,
    tidy_text,
)
from connectors.feeds.workers import PARALLEL_FROM, normalise_chunk, normalised_in_workers

# Job field -> where it is in an item by default (dotted for nested JSON; in CSV "client.x" is
# also found as the column "client_x").
DEFAULT_MAPPING: dict[str, str] = {
    "external_id": "id",
    "url": "url",
    "title": "title",
    "description": "description",
    "category": "category",
    "skills": "skills",
    "job_type": "job_type",
    "budget": "budget",
    "hourly_rate": "hourly_rate",
    "experience_level": "experience_level",
    "posted_at": "posted_at",
    "posted": "posted",
    "proposals": "proposals",
    "interviewing": "interviewing",
    "invites_sent": "invites_sent",
    "client_payment_verified": "client.payment_verified",
    "client_country": "client.country",
    "client_timezone": "client.timezone",
    "client_total_spent": "client.total_spent",
    "client_hires": "client.hires",
    "client_jobs_posted": "client.jobs_posted",
    "client_feedback": "client.feedback",
    "client_reviews": "client.reviews",
    "client_member_since": "client.member_since",
    "client_id": "client.id",
    "client_name": "client.name",
    "weekly_budget": "weekly_budget",
    "job_hires": "hires_on_job",
}
# For sources that build items keyed by job field names themselves (RSS labels, browser pages).
IDENTITY_MAPPING: dict[str, str] = {name: name for name in DEFAULT_MAPPING}
_MISSING = {"", "n/a", "na", "none", "null", "-"}
_INTEGER_FIELDS = (
    "job_hires",
    "interviewing",
    "invites_sent",
    "client_hires",
    "client_jobs_posted",
    "client_reviews",
)
_HOURLY_WORDS = re.compile(r"/\s*h(?:ou)?r\b|\bhourly\b|\bper hour\b", re.IGNORECASE)


@lru_cache(maxsize=512)
def _path(key: str) -> tuple[tuple[str, ...], str]:
    """A mapping key's nested path and its flat (CSV column) spelling, worked out once."""
    return tuple(key.split(".")), key.replace(".", "_")


def _lookup(item: Mapping[str, Any], key: str) -> Any:
    if key in item:
        return item[key]
    parts, flat = _path(key)
    value: Any = item
    for part in parts:
        # dict first: the ABC check behind isinstance(x, Mapping) costs more than the lookup.
        if not (isinstance(value, dict) or isinstance(value, Mapping)) or part not in value:
            return item.get(flat)
        value = value[part]
    return value


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    # Only short text can be a "N/A"; long text (a description) is blank only if all spaces.
    return value.strip().lower() in _MISSING if len(value) < 16 else value.isspace()


def item_key(item: Any, mapping: Mapping[str, str]) -> str | None:
    """The external id an item will be stored under, when it names one (its id, else its URL),
    found without normalising the whole item."""
    if not isinstance(item, Mapping):
        return None
    for name in ("external_id", "url"):
        value = _lookup(item, mapping[name])
        if not _blank(value) and isinstance(value, str | int):
            return str(value)[:255]
    return None


def normalize_item(
    item: Any,
    mapping: Mapping[str, str],
    *,
    source: str,
    fetched_at: datetime,
    html_descriptions: bool = False,
) -> tuple[JobBase, list[str]]:
    """One file item as a Job, plus notes about optional fields that had to be dropped.

    Raises ValueError (with the field named) when the item cannot be a job at all.
    """
    if not isinstance(item, Mapping):
        raise ValueError(f"expected an object with job fields, got {type(item).__name__}")
    notes: list[str] = []
    # Every mapped value read once, blanks ("N/A", "") as None: fields are asked for repeatedly.
    # The blank test is inlined: this loop runs once per field of every job ingested.
    found: dict[str, Any] = {}
    for name, key in mapping.items():
        value = item[key] if key in item else _lookup(item, key)
        if type(value) is str and (
            value.strip().lower() in _MISSING if len(value) < 16 else value.isspace()
        ):
            value = None
        found[name] = value
    get = found.get

    def text(name: str) -> str | None:
        value = found[name]
        if value is None or type(value) is str:
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            problem = f"field '{mapping[name]}' should be text, got {type(value).__name__}"
            if name == "title":
                raise ValueError(problem)
            notes.append(f"{problem}; ignored")
            return None
        return str(value)

    def when(name: str, anchor: datetime | None = None) -> datetime | None:
        value = text(name)
        moment = parse_datetime(value, anchor=anchor)
        if value is not None and moment is None:
            notes.append(f"field '{mapping[name]}' = {value!r} is not a date; stored without it")
        return moment

    title = " ".join((text("title") or "").split())
    if not title:
        raise ValueError(f"missing '{mapping['title']}'")
    # Files carry plain text unless the feed says otherwise: a literal "<b>" a client typed is
    # part of the job, not markup to strip.
    to_text = html_to_text if html_descriptions else tidy_text
    description = to_text(text("description") or "")
    url = text("url")
    digest = content_hash_of_tidy(title, description)  # both were just tidied above
    external_id = text("external_id") or url or digest
    job_type, budget, low, high = _pricing(
        text("job_type"),
        text("budget"),
        text("hourly_rate"),
        one_column=mapping["budget"] == mapping["hourly_rate"],
    )
    values: dict[str, Any] = {
        name: _number(get(name), mapping[name], notes, whole=True) for name in _INTEGER_FIELDS
    }
    posted = when("posted_at") or when("posted", anchor=fetched_at)
    skills = get("skills")
    if skills is not None and not isinstance(skills, str | list):
        notes.append(f"field '{mapping['skills']}' should be a list or text; ignored")
        skills = None
    # Text with a length limit in the database is cut to it, so a long "experience level" in
    # someone's export costs that field's tail, not the job (tests/connectors/test_items.py).
    job = JobBase(
        source=source[:64],
        external_id=external_id[:255],
        url=url,
        title=title,
        description=description,
        category=text("category"),
        skills=split_list(skills),
        job_type=job_type,
        budget=budget,
        hourly_min=low,
        hourly_max=high,
        experience_level=_cut(text("experience_level"), 32),
        posted_at=posted or fetched_at,
        proposals_bucket=_cut(text("proposals"), 32),
        client_payment_verified=_verified(get("client_payment_verified")),
        client_country=text("client_country"),
        client_timezone=text("client_timezone"),
        client_total_spent=parse_money(text("client_total_spent")),
        client_feedback=_number(get("client_feedback"), mapping["client_feedback"], notes),
        client_member_since=when("client_member_since"),
        client_key=_cut(f"id:{client_id}", 128) if (client_id := text("client_id")) else None,
        client_name=text("client_name"),
        weekly_budget=parse_money(text("weekly_budget")),
        content_hash=digest,
        raw=_raw(item, mapping["description"], keep_description=html_descriptions),
        **values,
    )
    return job, notes


def _raw(
    item: Mapping[str, Any], description_key: str, *, keep_description: bool
) -> dict[str, Any]:
    """The item as received, for re-reading later. A plain-text description is left out: it
    is the job's ``description`` already, and on a long posting it would double what each job
    costs to store and write."""
    raw = dict(item)
    if not keep_description:
        raw.pop(description_key, None)
    return raw


def _cut(value: str | None, limit: int) -> str | None:
    return value[:limit] if value is not None else None


def _pricing(
    stated: str | None, budget_text: str | None, rate_text: str | None, *, one_column: bool
) -> tuple[str | None, float | None, float | None, float | None]:
    """(job_type, budget, hourly low, hourly high). A type the file states wins; otherwise an
    hourly rate makes the job hourly. When one column holds the price either way ("$500" or
    "$25.00-$35.00"), the type says which reading it is, and a price like "$40/hr" reads hourly.
    """
    budget = parse_money(budget_text)
    low, high = parse_money_range(rate_text)
    kind = (stated or "").lower()
    if "hour" in kind or "fix" in kind:
        job_type: str | None = "hourly" if "hour" in kind else "fixed"
    elif one_column:
        hourly = rate_text is not None and (low != high or bool(_HOURLY_WORDS.search(rate_text)))
        job_type = "hourly" if hourly else "fixed" if budget else None
    else:
        job_type = "hourly" if low is not None else "fixed" if budget else None
    if one_column and job_type == "hourly":
        budget = None
    elif one_column:
        low = high = None
    return job_type, budget, low, high


def _number(value: Any, key: str, notes: list[str], *, whole: bool = False) -> Any:
    if value is None:
        return None
    number: float | None = None
    if not isinstance(value, bool):
        try:
            number = float(str(value).replace(",", ""))
        except ValueError:
            number = None
    if number is None or not math.isfinite(number):
        notes.append(f"field '{key}' = {value!r} is not a number; stored without it")
        return None
    return int(number) if whole else number


def _verified(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in {"true", "yes", "1", "verified", "payment verified"}:
        return True
    if lowered in {"false", "no", "0", "unverified", "payment unverified", "not verified"}:
        return False
    return None


def add_new_items(
    batch: FeedBatch,
    labelled: Sequence[tuple[str, Any, str | None]],
    mapping: Mapping[str, str],
    *,
    context: FetchContext,
    html_descriptions: bool = False,
) -> None:
    """Normalise ``(label, item, external id)`` triples into ``batch``: items whose ids this
    source stored before are counted, not re-read; an item that cannot be a job becomes one
    problem line starting with its label ("jobs.json: item 4"), the others go on. A large poll
    is left in ``batch.pending``, normalised by worker processes while the first chunks are
    stored (``context.workers``)."""
    known = context.known([key for _, _, key in labelled if key])
    todo = [(label, item) for label, item, key in labelled if key not in known]
    batch.already_known += len(labelled) - len(todo)
    if context.workers and len(todo) >= PARALLEL_FROM:
        batch.pending = normalised_in_workers(
            todo,
            mapping,
            source=batch.source,
            fetched_at=context.now,
            html_descriptions=html_descriptions,
            workers=context.workers,
        )
        return
    jobs, problems = normalise_chunk(todo, mapping, batch.source, context.now, html_descriptions)
    batch.jobs.extend(jobs)
    batch.problems.extend(problems)
