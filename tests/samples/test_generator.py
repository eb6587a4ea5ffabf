"""Tests for the bundled sample-feed generator: determinism, counts, realism, file formats."""

from __future__ import annotations

import html
import json
import re
from calendar import timegm
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import feedparser
import pytest

from bidflow.samples.generator import (
    PROPOSAL_BUCKETS,
    SampleFeeds,
    generate_jobs,
    hostile_slots,
    write_json,
    write_rss,
    write_sample_feeds,
)

ANCHOR = datetime(2026, 11, 20, 14, 3, 27, tzinfo=UTC)
CLIENT_KEYS = (
    "payment_verified country timezone total_spent hires jobs_posted feedback reviews member_since"
).split()


def _write(directory: Path, seed: int = 2026) -> tuple[SampleFeeds, Any, list[dict[str, Any]]]:
    feeds = write_sample_feeds(directory, anchor=ANCHOR, seed=seed)
    parsed = feedparser.parse(feeds.rss_path.read_bytes())
    items = json.loads(feeds.json_path.read_text(encoding="utf-8"))
    return feeds, parsed, items


def _rss_text(entry: Any) -> tuple[str, str]:
    """Recover (title, description) of a posting from its RSS entry."""
    body = entry.summary.split("\n<br /><br /><b>")[0]
    return entry.title.removesuffix(" - Upwork"), html.unescape(body.replace("<br />\n", "\n"))


def _rss_field(entry: Any, label: str) -> str | None:
    match = re.search(rf"<b>{label}</b>:(.*)", entry.summary)
    return html.unescape(match[1].strip()) if match else None


def test_same_seed_and_anchor_give_identical_bytes(tmp_path: Path) -> None:
    first = write_sample_feeds(tmp_path / "a", anchor=ANCHOR)
    second = write_sample_feeds(tmp_path / "b", anchor=ANCHOR)
    other = write_sample_feeds(tmp_path / "c", anchor=ANCHOR, seed=7)
    assert first.rss_path.read_bytes() == second.rss_path.read_bytes()
    assert first.json_path.read_bytes() == second.json_path.read_bytes()
    assert first.rss_path.read_bytes() != other.rss_path.read_bytes()
    assert first.json_path.read_bytes() != other.json_path.read_bytes()


def test_generate_jobs_is_deterministic_and_follows_the_anchor() -> None:
    jobs = generate_jobs(count=50, anchor=ANCHOR)
    assert jobs == generate_jobs(count=50, anchor=ANCHOR)
    assert jobs != generate_jobs(count=50, seed=1, anchor=ANCHOR)
    later = generate_jobs(count=50, anchor=ANCHOR + timedelta(days=3))
    assert [j.title for j in later] == [j.title for j in jobs]
    assert [j.posted_at - timedelta(days=3) for j in later] == [j.posted_at for j in jobs]
    # The same instant given in another timezone is the same "now".
    shifted = ANCHOR.astimezone(timezone(timedelta(hours=-5)))
    assert generate_jobs(count=50, anchor=shifted) == jobs


def test_generate_jobs_rejects_bad_arguments_and_handles_small_counts() -> None:
    with pytest.raises(ValueError):
        generate_jobs(count=5, anchor=datetime(2026, 11, 20, 14, 0))
    with pytest.raises(ValueError):
        generate_jobs(count=-1, anchor=ANCHOR)
    assert generate_jobs(count=0, anchor=ANCHOR) == []
    assert len(generate_jobs(count=3, anchor=ANCHOR)) == 3


def test_counts_and_cross_source_duplicates(tmp_path: Path) -> None:
    feeds, parsed, items = _write(tmp_path)
    assert (feeds.rss_count, feeds.json_count) == (len(parsed.entries), len(items)) == (220, 170)
    rss = {_rss_text(entry): entry for entry in parsed.entries}
    json_items = {(item["title"], item["description"]): item for item in items}
    assert len(rss) == 220 and len(json_items) == 170
    shared = rss.keys() & json_items.keys()
    assert len(shared) == 30
    assert len(rss.keys() | json_items.keys()) == feeds.distinct_count == 360
    for key in shared:
        link, item = rss[key].link, json_items[key]
        assert link.split("?")[0] == item["url"].split("?")[0]  # same posting ...
        assert link != item["url"] and link.split("/")[-1].split("?")[0] != item["id"]
        # ... posted at the same moment in both sources.
        assert timegm(rss[key].published_parsed) == timegm(
            datetime.strptime(item["posted_at"], "%Y-%m-%dT%H:%M:%SZ").timetuple()
        )


def test_rss_parses_cleanly_in_the_upwork_layout(tmp_path: Path) -> None:
    feeds, parsed, _ = _write(tmp_path)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == "All jobs | upwork.com"
    assert len(parsed.entries) == 220
    assert all("<b>Posted On</b>" in entry.summary for entry in parsed.entries)
    assert all(
        re.fullmatch(r"https://www\.upwork\.com/jobs/~01\d{18}\?source=rss", e.link)
        for e in parsed.entries
    )
    raw = feeds.rss_path.read_text(encoding="utf-8")
    assert raw.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert "&lt;b&gt;Posted On&lt;/b&gt;" in raw and "CDATA" not in raw
    skills = [_rss_field(e, "Skills") for e in parsed.entries]
    assert any(s and ",     " in s for s in skills) and None in skills
    assert any(_rss_field(e, "Budget") for e in parsed.entries)
    ranges = [_rss_field(e, "Hourly Range") for e in parsed.entries]
    assert any(r and re.fullmatch(r"\$[\d,]+\.\d\d-\$[\d,]+\.\d\d", r) for r in ranges)
    # RSS items carry no client stats other than the country.
    assert "Proposals" not in raw and "total_spent" not in raw


def test_rss_round_trips_text_and_dates(tmp_path: Path) -> None:
    jobs = generate_jobs(count=40, anchor=ANCHOR)
    path = tmp_path / "feed.rss"
    write_rss(jobs, path, anchor=ANCHOR)
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo
    for job, entry in zip(jobs, parsed.entries, strict=True):
        assert _rss_text(entry) == (job.title, job.description)
        assert timegm(entry.published_parsed) == int(job.posted_at.timestamp())
        posted_on = f"{job.posted_at:%B %d, %Y %H:%M} UTC"
        assert _rss_field(entry, "Posted On") == posted_on


def test_json_items_have_the_documented_shape(tmp_path: Path) -> None:
    _, _, items = _write(tmp_path)
    for item in items:
        assert all(item[key] for key in ("id", "url", "title", "description"))
        assert re.fullmatch(r"alert-\d{6}", item["id"])
        assert re.fullmatch(r"https://www\.upwork\.com/jobs/~01\d{18}", item["url"])
        assert set(item["client"]) == set(CLIENT_KEYS)
        assert item["job_type"] in ("Hourly", "Fixed", None)
        assert item["experience_level"] in ("Entry level", "Intermediate", "Expert", None)
    assert len({item["id"] for item in items}) == len(items)
    without_skills = sum("skills" not in item for item in items)
    assert 0 < without_skills < len(items) * 0.15


def test_posted_text_matches_posted_at(tmp_path: Path) -> None:
    _, _, items = _write(tmp_path)
    for item in items:
        posted_at = datetime.strptime(item["posted_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        minutes = int((ANCHOR - posted_at).total_seconds() // 60)
        assert 2 <= minutes <= 10 * 1440 + 1
        text = item["posted"].removeprefix("Posted ")
        if minutes < 60:
            assert text == f"{minutes} minutes ago"
        elif minutes < 24 * 60:
            assert text in (f"{minutes // 60} hours ago", "1 hour ago")
        elif minutes < 48 * 60:
            assert text == "yesterday"
        else:
            assert text.endswith("days ago") or text == "last week"
    assert any(item["posted"].startswith("Posted ") for item in items)
    assert any(not item["posted"].startswith("Posted ") for item in items)


def test_values_are_realistically_varied_and_sometimes_missing() -> None:
    jobs = generate_jobs(count=360, anchor=ANCHOR)
    assert {job.proposals for job in jobs} == {*PROPOSAL_BUCKETS, None}
    assert len({job.category for job in jobs} - {None}) >= 8
    assert len({job.client.country for job in jobs} - {None}) >= 12
    assert any(job.budget in (None, "N/A") and job.hourly_rate in (None, "N/A") for job in jobs)
    reviewed = [job for job in jobs if job.client.reviews]  # no reviews, no feedback score
    for key in CLIENT_KEYS:
        pool = reviewed if key == "feedback" else jobs
        missing = sum(getattr(job.client, key) is None for job in pool)
        assert 0.03 * len(pool) < missing < 0.3 * len(pool), key
    spent = {job.client.total_spent for job in jobs}
    assert "$0" in spent and any(s and s.endswith("M+") for s in spent)
    assert any(job.client.payment_verified is False for job in jobs)
    assert any(job.client.feedback is not None and job.client.feedback >= 4.8 for job in jobs)
    for job in jobs:
        if job.job_type == "Hourly":
            assert job.budget in (None, "N/A")
        if job.job_type == "Fixed":
            assert job.hourly_rate in (None, "N/A")
    # Fresh postings draw fewer proposals than day-old ones.
    order = {bucket: rank for rank, bucket in enumerate(PROPOSAL_BUCKETS)}
    fresh = [
        order[j.proposals]
        for j in jobs
        if j.proposals and j.posted_at > ANCHOR - timedelta(hours=1)
    ]
    old = [
        order[j.proposals]
        for j in jobs
        if j.proposals and j.posted_at < ANCHOR - timedelta(hours=20)
    ]
    assert sum(fresh) / len(fresh) < sum(old) / len(old)


def test_descriptions_look_like_real_postings() -> None:
    jobs = generate_jobs(count=360, anchor=ANCHOR)
    lengths = [len(job.description) for job in jobs]
    assert max(lengths) > 4000 and max(lengths) <= 9000
    assert sum(300 <= n <= 1500 for n in lengths) > 0.75 * len(jobs)
    assert any("\n" not in job.description and len(job.description) < 150 for job in jobs)
    assert sum("\n- " in job.description for job in jobs) > 0.7 * len(jobs)
    assert any(re.search(r"[^\x00-\x7f]", job.description) for job in jobs)
    assert any(re.search(r"[\U0001F300-\U0001FAFF]", job.description) for job in jobs)
    assert any("&" in job.description and "<" in job.description for job in jobs)
    assert len({job.title for job in jobs}) > 0.8 * len(jobs)


def test_hostile_postings_are_present_and_spread(tmp_path: Path) -> None:
    jobs = generate_jobs(count=360, anchor=ANCHOR)
    slots = hostile_slots(len(jobs))
    assert 5 <= len(slots) <= 8 and len(set(slots)) == len(slots)
    assert min(b - a for a, b in zip(slots, slots[1:], strict=False)) > len(jobs) // 20
    texts = [jobs[i].title + "\n" + jobs[i].description for i in slots]
    needles = (
        "name@example.com",
        "WhatsApp",
        "PayPal",
        "Ignore all previous instructions",
        "<script>alert(1)</script>",
        "Wir suchen",
    )
    assert all(any(needle in text for text in texts) for needle in needles)
    # Both feeds carry them, the markup as literal text.
    _, parsed, items = _write(tmp_path)
    rss_titles = [entry.title for entry in parsed.entries]
    json_titles = [item["title"] for item in items]
    for titles in (rss_titles, json_titles):
        assert any("<img src=x onerror=alert(1)>" in t and "<script>" in t for t in titles)
    assert any("Ignore all previous instructions" in item["description"] for item in items)


def test_writers_accept_any_job_list(tmp_path: Path) -> None:
    jobs = generate_jobs(count=12, seed=5, anchor=ANCHOR)
    write_json(jobs, tmp_path / "x.json")
    items = json.loads((tmp_path / "x.json").read_text(encoding="utf-8"))
    assert [item["id"] for item in items] == [job.external_id for job in jobs]
    assert (tmp_path / "x.json").read_bytes().endswith(b"}\n]\n")
    write_rss([], tmp_path / "empty.rss", anchor=ANCHOR)
    empty = feedparser.parse((tmp_path / "empty.rss").read_bytes())
    assert not empty.bozo and empty.entries == []
