"""Deterministic generator of realistic freelance job postings, and writers for sample feeds.

The postings imitate what Upwork-like marketplaces publish: free-text budgets, missing
values, multi-line descriptions with bullet lists, cross-source duplicates and a few hostile
postings (off-platform contact, prompt injection, markup in titles, non-English text).
Everything is derived from ``random.Random(seed)`` and the caller's ``anchor`` ("now"), so
the same seed and anchor always give byte-identical files.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any, TypeVar
from xml.sax.saxutils import escape

from bidflow.samples import _vocabulary as vocab

PROPOSAL_BUCKETS = ("Less than 5", "5 to 10", "10 to 15", "15 to 20", "20 to 50", "50+")
RSS_COUNT, JSON_COUNT, SHARED_COUNT = 220, 170, 30
_RANGE = re.compile(r"(\$[\d,.]+)\s*-\s*(\$[\d,.]+)")
_T = TypeVar("_T")
_JSON_KEYS = (
    "id url title description category skills job_type budget hourly_rate experience_level "
    "posted posted_at proposals interviewing invites_sent client"
).split()


@dataclass(frozen=True)
class SampleClient:
    """The client stats a marketplace shows next to a posting; any field may be missing."""

    payment_verified: bool | None
    country: str | None
    timezone: str | None  # IANA name, e.g. "America/New_York"
    total_spent: str | None  # free text as shown: "$0", "$1,234", "$10K+", "$1.2M+"
    hires: int | None
    jobs_posted: int | None
    feedback: float | None  # 0.0-5.0, one decimal
    reviews: int | None
    member_since: str | None  # e.g. "Oct 11, 2024"


@dataclass(frozen=True)
class SampleJob:
    """One job posting as a feed carries it (budgets and proposal counts stay free text)."""

    external_id: str
    url: str
    title: str
    description: str
    category: str | None
    skills: tuple[str, ...]
    job_type: str | None  # "Hourly", "Fixed" or None
    budget: str | None  # e.g. "$500", "Est. budget: $500.00", "N/A"
    hourly_rate: str | None  # e.g. "$25.00 - $35.00", "Hourly: $25.00 - $35.00", "$40/hr"
    experience_level: str | None  # "Entry level", "Intermediate", "Expert"
    posted_at: datetime  # tz-aware UTC, whole minutes
    posted_relative: str  # e.g. "Posted 12 minutes ago", "yesterday"
    proposals: str | None  # one of PROPOSAL_BUCKETS
    interviewing: int | None
    invites_sent: int | None
    client: SampleClient


@dataclass(frozen=True)
class SampleFeeds:
    """What ``write_sample_feeds`` wrote: the two paths and their item counts."""

    rss_path: Path
    json_path: Path
    rss_count: int
    json_count: int
    distinct_count: int


def generate_jobs(*, count: int, seed: int = 2026, anchor: datetime) -> list[SampleJob]:
    """Return ``count`` postings with distinct (title, description), newest first.

    Postings are RSS-style: the external id is an Upwork-like ciphertext (``~01`` + 18
    digits) and the URL ends in ``?source=rss``. Hostile postings sit at ``hostile_slots``.
    """
    if count < 0:
        raise ValueError("count must be >= 0")
    return _Builder(random.Random(seed), _utc(anchor)).jobs(count)


def hostile_slots(count: int) -> list[int]:
    """Indices of the hostile postings in a ``generate_jobs(count=count)`` list."""
    n = len(vocab.HOSTILE)
    return [(k + 1) * count // (n + 1) for k in range(n)] if count > n else []


def _utc(moment: datetime) -> datetime:
    if moment.utcoffset() is None:
        raise ValueError("anchor must be timezone-aware")
    return moment.astimezone(UTC)


def _fill(template: str, slots: dict[str, str]) -> str:
    # Slots like "edtech" land after a fixed "a"; fix the article instead of the templates.
    return re.sub(r"\ba (?=[aeiAEI])", "an ", template.format_map(slots))


def _bullets(items: Sequence[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


class _Builder:
    """Draws postings from one random stream, so the draw order defines the output."""

    def __init__(self, rng: random.Random, anchor: datetime) -> None:
        self.rng = rng
        self.anchor = anchor
        self.now = anchor.replace(second=0, microsecond=0)
        self.ciphertexts: set[str] = set()

    def jobs(self, count: int) -> list[SampleJob]:
        ages = sorted(self._age_minutes() for _ in range(count))
        hostile = dict(zip(hostile_slots(count), vocab.HOSTILE, strict=False))
        seen: set[tuple[str, str]] = set()
        result: list[SampleJob] = []
        for index, age in enumerate(ages):
            job = self._job(age, hostile.get(index))
            # Templates can collide (one-liners especially); distinct postings must differ.
            while (job.title, job.description) in seen:
                job = self._job(age, None)
            seen.add((job.title, job.description))
            result.append(job)
        return result

    def _age_minutes(self) -> int:
        if self.rng.random() < 0.04:
            return self.rng.randint(2 * 1440, 10 * 1440)
        # Squaring skews towards fresh postings, as in a "most recent" feed.
        return 2 + int(self.rng.random() ** 2 * (36 * 60 - 2))

    def _maybe(self, value: _T, missing: float = 0.1) -> _T | None:
        return None if self.rng.random() < missing else value

    def _job(self, age: int, hostile: vocab.HostileVocab | None) -> SampleJob:
        rng = self.rng
        if hostile:
            cat = next(c for c in vocab.CATEGORIES if c.name == hostile.category)
        else:
            cat = rng.choice(vocab.CATEGORIES)
        slots = self._slots(cat)
        if hostile:
            title, description, skills = hostile.title, hostile.description, hostile.skills
        else:
            title, description = self._title(cat, slots), self._description(cat, slots)
            skills = self._skills(cat, slots)
        client = self._client()
        if hostile and hostile.country:
            zone = next(c[2][0] for c in vocab.COUNTRIES if c[0] == hostile.country)
            client = replace(client, country=hostile.country, timezone=zone)
        job_type, budget, hourly_rate = self._pricing()
        ciphertext = self._ciphertext()
        levels = ("Entry level", "Intermediate", "Expert", None)
        return SampleJob(
            external_id=ciphertext,
            url=f"https://www.upwork.com/jobs/{ciphertext}?source=rss",
            title=title,
            description=description,
            category=self._maybe(cat.name, 0.03),
            skills=skills,
            job_type=job_type,
            budget=budget,
            hourly_rate=hourly_rate,
            experience_level=rng.choices(levels, (20, 50, 25, 5))[0],
            posted_at=self.now - timedelta(minutes=age),
            posted_relative=self._relative(age),
            proposals=self._proposals(age),
            interviewing=self._maybe(rng.choices(range(6), (60, 15, 10, 8, 4, 3))[0]),
            invites_sent=self._maybe(rng.choices(range(16), [40] + [4] * 15)[0]),
            client=client,
        )

    def _slots(self, cat: vocab.CategoryVocab) -> dict[str, str]:
        tool, tool2 = self.rng.sample(cat.tools, 2)
        pools = (cat.things, vocab.INDUSTRIES, vocab.BUSINESSES, vocab.SIZES, vocab.CITIES)
        names = ("thing", "industry", "biz", "size", "city")
        slots = {name: self.rng.choice(pool) for name, pool in zip(names, pools, strict=True)}
        return slots | {"tool": tool, "tool2": tool2, "n": str(self.rng.randint(2, 40))}

    def _title(self, cat: vocab.CategoryVocab, slots: dict[str, str]) -> str:
        title = _fill(self.rng.choice(cat.titles), slots)
        roll = self.rng.random()
        if roll < 0.05:
            return "URGENT: " + title
        if roll < 0.08:
            return title.lower()  # real clients type titles like "php developer"
        return title + " - Long-term" if roll < 0.12 and "Long-term" not in title else title

    def _skills(self, cat: vocab.CategoryVocab, slots: dict[str, str]) -> tuple[str, ...]:
        if self.rng.random() < 0.05:
            return ()
        extra = self.rng.sample(cat.skills, self.rng.randint(1, 6))
        return tuple(dict.fromkeys([slots["tool"], slots["tool2"], *extra]))

    def _description(self, cat: vocab.CategoryVocab, slots: dict[str, str]) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.03:
            return _fill(rng.choice(cat.one_liners), slots)
        if roll < 0.08:
            return _fill(self._long_description(cat), slots)
        reqs = rng.sample(cat.requirements, rng.randint(2, 4))
        reqs += rng.sample(vocab.SHARED_REQUIREMENTS, rng.randint(0, 2))
        parts = [rng.choice(cat.intros)]
        if rng.random() < 0.8:
            parts.append(rng.choice(vocab.CONTEXTS))
        parts.append(rng.choice(vocab.REQUIREMENT_HEADINGS) + "\n" + _bullets(reqs))
        optional: list[str] = []
        if rng.random() < 0.5:
            items = rng.sample(cat.deliverables, rng.randint(2, 3))
            optional.append(rng.choice(vocab.DELIVERABLE_HEADINGS) + "\n" + _bullets(items))
        if rng.random() < 0.6:
            optional.append(rng.choice(vocab.TIMELINES))
        if rng.random() < 0.4:
            questions = rng.sample(vocab.SCREENING_QUESTIONS, rng.randint(2, 3))
            numbered = "\n".join(f"{i}. {q}" for i, q in enumerate(questions, 1))
            optional.append(rng.choice(vocab.SCREENING_INTROS) + "\n" + numbered)
        if rng.random() < 0.7:
            optional.append(rng.choice(vocab.CLOSINGS))
        # Keep ordinary postings within the 300-1500 characters real feeds mostly show.
        while optional and len("\n\n".join(parts + optional)) > 1500:
            optional.pop(0)
        parts += optional
        while len("\n\n".join(parts)) < 300:
            parts.append(rng.choice(vocab.LONG_FILLERS))
        return _fill("\n\n".join(parts), slots)

    def _long_description(self, cat: vocab.CategoryVocab) -> str:
        """A 4,000-9,000 character brief: intro, context, then numbered project phases."""
        rng = self.rng
        parts = [rng.choice(cat.intros), rng.choice(vocab.CONTEXTS)]
        target = rng.randint(4200, 8000)
        # Each phase adds well under 1,000 characters, so the total stays below 9,000.
        while len("\n\n".join(parts)) < target:
            name = vocab.PHASES[(len(parts) - 2) % len(vocab.PHASES)]
            bullets = _bullets(rng.sample(cat.requirements + cat.deliverables, 4))
            filler = rng.choice(vocab.LONG_FILLERS)
            parts.append(f"Phase {len(parts) - 1}: {name}\n{filler}\n{bullets}")
        return "\n\n".join([*parts, rng.choice(vocab.CLOSINGS)])

    def _pricing(self) -> tuple[str | None, str | None, str | None]:
        """Return (job_type, budget, hourly_rate): free text consistent with the job type."""
        rng = self.rng
        hourly, missing = rng.random() < 0.5, rng.random() < 0.15
        absent = "N/A" if rng.random() < 0.3 else None  # how this posting writes "no value"
        if hourly:
            rate = absent if missing else vocab.hourly_rate_text(rng)
            job_type, budget = "Hourly", absent
        else:
            budget = absent if missing else vocab.fixed_budget_text(rng)
            job_type, rate = "Fixed", None
        return self._maybe(job_type, 0.06), budget, rate

    def _proposals(self, age: int) -> str | None:
        hours = age / 60
        base = 0 if hours < 1 else 1 if hours < 4 else 2 if hours < 12 else 3 if hours < 36 else 4
        shift = self.rng.choice((-1, 0, 0, 1, 1, 2))
        return self._maybe(PROPOSAL_BUCKETS[min(max(base + shift, 0), 5)])

    def _relative(self, age: int) -> str:
        hours, days = age // 60, age // 1440
        if age < 60:
            text = f"{age} minutes ago"
        elif hours < 24:
            text = "1 hour ago" if hours == 1 else f"{hours} hours ago"
        elif hours < 48:
            text = "yesterday"
        else:
            text = f"{days} days ago" if days < 7 else "last week"
        return ("Posted " if self.rng.random() < 0.5 else "") + text

    def _ciphertext(self) -> str:
        while True:
            ciphertext = "~01" + "".join(self.rng.choices("0123456789", k=18))
            if ciphertext not in self.ciphertexts:
                self.ciphertexts.add(ciphertext)
                return ciphertext

    def _client(self) -> SampleClient:
        rng, today = self.rng, self.anchor.date()
        tier = rng.choices(("new", "small", "mid", "large"), (20, 35, 30, 15))[0]
        country, _, zones = rng.choices(vocab.COUNTRIES, [c[1] for c in vocab.COUNTRIES])[0]
        if tier == "new":
            spent, hires, jobs, reviews = 0, 0, rng.randint(1, 2), 0
            verified = rng.random() < 0.3
            # One fixed-size draw, so a different anchor does not shift the random stream.
            joined = today - timedelta(days=int(rng.random() * today.day))  # this month
        else:
            low, high, max_hires, max_days = {
                "small": (20, 2_000, 5, 1500),
                "mid": (2_000, 100_000, 50, 3000),
                "large": (100_000, 2_500_000, 300, 5000),
            }[tier]
            spent = int(low * (high / low) ** rng.random())  # log-uniform, like real spend
            hires = rng.randint(max(1, max_hires // 6), max_hires)
            jobs = rng.randint(max(1, hires // 3), hires * 2 + 2)
            reviews = rng.randint(hires * 2 // 3, hires)
            verified = rng.random() < 0.95
            joined = today - timedelta(days=rng.randint(30, max_days))
        feedback = round(rng.uniform(4.6 if tier == "large" else 3.4, 5.0), 1)
        return SampleClient(
            payment_verified=self._maybe(verified),
            country=self._maybe(country),
            timezone=self._maybe(rng.choice(zones), 0.15),
            total_spent=self._maybe(vocab.spent_text(rng, spent)),
            hires=self._maybe(hires),
            jobs_posted=self._maybe(jobs),
            feedback=self._maybe(feedback) if reviews else None,
            reviews=self._maybe(reviews),
            member_since=self._maybe(vocab.date_text(joined)),
        )


def _rss_item(job: SampleJob) -> str:
    """One ``<item>``; its HTML body is escaped once as HTML and once more as XML text."""
    posted = job.posted_at.astimezone(UTC)
    meta: list[str] = []
    if job.budget not in (None, "N/A") and job.job_type != "Hourly":
        meta.append(f"<b>Budget</b>: {escape(str(job.budget).removeprefix('Est. budget: '))}")
    if (match := _RANGE.search(job.hourly_rate or "")) and job.job_type != "Fixed":
        meta.append(f"<b>Hourly Range</b>: {match[1]}-{match[2]}")
    month = vocab.MONTHS_LONG[posted.month - 1]  # not %B: that depends on the locale
    meta.append(f"<b>Posted On</b>: {month} {posted:%d, %Y %H:%M} UTC")
    if job.category:
        meta.append(f"<b>Category</b>: {escape(job.category)}")
    if job.skills:
        # The real feed separates and pads skills with runs of spaces; parsers must cope.
        meta.append("<b>Skills</b>:" + ",     ".join(escape(s) for s in job.skills) + "     ")
    if job.client.country:
        meta.append(f"<b>Country</b>: {escape(job.client.country)}")
    meta.append(f'<a href="{escape(job.url)}">click to apply</a>')
    body = escape(job.description).replace("\n", "<br />\n")
    html = body + "\n<br />" + "".join(f"<br />{line}\n" for line in meta)
    return (
        f"    <item>\n      <title>{escape(job.title + ' - Upwork')}</title>\n"
        f"      <link>{escape(job.url)}</link>\n"
        f"      <description>{escape(html)}</description>\n"
        f"      <pubDate>{format_datetime(posted, usegmt=True)}</pubDate>\n"
        f"      <guid>{escape(job.url)}</guid>\n    </item>\n"
    )


def write_rss(jobs: Sequence[SampleJob], path: Path, *, anchor: datetime) -> None:
    """Write ``jobs`` as a UTF-8 RSS 2.0 feed in the pre-2024 Upwork layout."""
    link = escape("https://www.upwork.com/ab/feed/jobs/rss?sort=recency&paging=0;50")
    text = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">\n'
        "  <channel>\n    <title>All jobs | upwork.com</title>\n"
        f"    <link>{link}</link>\n"
        "    <description>All jobs | upwork.com (bidflow sample feed)</description>\n"
        f"    <lastBuildDate>{format_datetime(_utc(anchor), usegmt=True)}</lastBuildDate>\n"
        + "".join(_rss_item(job) for job in jobs)
        + "  </channel>\n</rss>\n"
    )
    path.write_bytes(text.encode("utf-8"))


def _json_item(job: SampleJob) -> dict[str, Any]:
    data = asdict(job) | {
        "id": job.external_id,
        "posted": job.posted_relative,
        "posted_at": job.posted_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    # The alerts source drops the "skills" key when a posting lists none.
    return {key: data[key] for key in _JSON_KEYS if key != "skills" or job.skills}


def write_json(jobs: Sequence[SampleJob], path: Path) -> None:
    """Write ``jobs`` as a UTF-8 JSON array (2-space indent, trailing newline)."""
    text = json.dumps([_json_item(job) for job in jobs], indent=2, ensure_ascii=False)
    path.write_bytes((text + "\n").encode("utf-8"))


def write_sample_feeds(directory: Path, *, anchor: datetime, seed: int = 2026) -> SampleFeeds:
    """Write ``jobs.rss`` (220 items) and ``jobs.json`` (170 items) into ``directory``.

    30 postings appear in both files with the same title and description but their own
    external id and URL query (JSON ids look like ``alert-123456``; JSON URLs have no
    query), so the files hold 360 distinct postings. The hostile postings are among the
    shared ones so that both parsers meet them.
    """
    distinct = RSS_COUNT + JSON_COUNT - SHARED_COUNT
    jobs = generate_jobs(count=distinct, seed=seed, anchor=anchor)
    rng = random.Random(f"bidflow-sample-split-{seed}")  # own stream: never shifts the jobs
    hostile = hostile_slots(distinct)
    rest = [i for i in range(distinct) if i not in hostile]
    rng.shuffle(rest)
    cut = SHARED_COUNT - len(hostile)
    shared, rest = set(hostile + rest[:cut]), rest[cut:]
    rss_ids = sorted(shared.union(rest[: RSS_COUNT - SHARED_COUNT]))
    json_ids = sorted(shared.union(rest[RSS_COUNT - SHARED_COUNT :]))
    alert_ids = rng.sample(range(100_000, 1_000_000), len(json_ids))
    json_jobs = [
        replace(jobs[i], external_id=f"alert-{alert}", url=jobs[i].url.partition("?")[0])
        for i, alert in zip(json_ids, alert_ids, strict=True)
    ]
    directory.mkdir(parents=True, exist_ok=True)
    rss_path, json_path = directory / "jobs.rss", directory / "jobs.json"
    write_rss([jobs[i] for i in rss_ids], rss_path, anchor=anchor)
    write_json(json_jobs, json_path)
    return SampleFeeds(rss_path, json_path, len(rss_ids), len(json_jobs), distinct)
