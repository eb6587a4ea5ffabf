"""FilesSource: JSON, JSONL and CSV files of jobs, with bad items reported and skipped."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bidflow.config import FilesFeedConfig
from bidflow.errors import FeedError
from bidflow.samples.generator import JSON_COUNT, write_sample_feeds
from connectors.feeds.base import FeedBatch
from connectors.feeds.files import FilesSource
from connectors.feeds.registry import build_source
from tests.factories import agency_config, fetch_context

ANCHOR = datetime(2026, 11, 20, 14, 3, 27, tzinfo=UTC)


def _write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def _fetch(path: Path, **options: Any) -> FeedBatch:
    return FilesSource(name="files", path=path, **options).fetch(fetch_context())


def _job(**fields: Any) -> dict[str, Any]:
    return {"id": "j1", "title": "Build a Django API", "description": "Plain text.", **fields}


def test_json_array_with_every_field(tmp_path: Path) -> None:
    item = _job(
        url="https://jobs.example/1",
        category="Web Development",
        skills=["Python", " Django "],
        job_type="Hourly",
        hourly_rate="Hourly: $25.00 - $35.00",
        experience_level="Expert",
        posted_at="2026-11-20T13:00:00Z",
        proposals="5 to 10",
        interviewing=2,
        invites_sent="3",
        client={
            "payment_verified": "Payment verified",
            "country": "Canada",
            "timezone": "America/Toronto",
            "total_spent": "$12K+",
            "hires": 14,
            "jobs_posted": 20,
            "feedback": 4.9,
            "reviews": 11,
            "member_since": "Oct 11, 2024",
        },
    )
    batch = _fetch(_write_json(tmp_path / "jobs.json", [item]))

    assert batch.problems == []
    (job,) = batch.jobs
    assert (job.source, job.external_id, job.url) == ("files", "j1", "https://jobs.example/1")
    assert (job.title, job.description, job.category) == (
        "Build a Django API",
        "Plain text.",
        "Web Development",
    )
    assert job.skills == ["Python", "Django"]
    assert (job.job_type, job.budget, job.hourly_min, job.hourly_max) == ("hourly", None, 25, 35)
    assert (job.experience_level, job.proposals_bucket) == ("Expert", "5 to 10")
    assert (job.interviewing, job.invites_sent) == (2, 3)
    assert job.posted_at == datetime(2026, 11, 20, 13, 0, tzinfo=UTC)
    assert (job.client_payment_verified, job.client_country, job.client_timezone) == (
        True,
        "Canada",
        "America/Toronto",
    )
    assert (job.client_total_spent, job.client_hires, job.client_jobs_posted) == (12_000, 14, 20)
    assert (job.client_feedback, job.client_reviews) == (4.9, 11)
    assert job.client_member_since == datetime(2024, 10, 11, tzinfo=UTC)
    # The item is kept for re-reading, without the description it already stores.
    assert job.raw == {key: value for key, value in item.items() if key != "description"}


def test_jobs_wrapper_object(tmp_path: Path) -> None:
    path = _write_json(tmp_path / "export.json", {"jobs": [_job(), _job(id="j2", title="Two")]})
    assert [job.external_id for job in _fetch(path).jobs] == ["j1", "j2"]


def test_jsonl_reports_the_broken_line_and_keeps_the_others(tmp_path: Path) -> None:
    broken = '{"id": "j3", "title": "Broken",'
    lines = [json.dumps(_job()), "", broken, json.dumps(_job(id="j4", title="Four"))]
    path = tmp_path / "jobs.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    batch = _fetch(path)

    assert [job.external_id for job in batch.jobs] == ["j1", "j4"]
    with pytest.raises(json.JSONDecodeError) as caught:
        json.loads(broken)
    assert batch.problems == [f"{path}: line 3: not valid JSON ({caught.value.msg}); skipped"]


def test_ndjson_suffix_is_read_as_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "alerts.ndjson"
    path.write_text(json.dumps(_job()) + "\n" + json.dumps(_job(id="j2")) + "\n", encoding="utf-8")
    batch = _fetch(path)
    assert ([job.external_id for job in batch.jobs], batch.problems) == (["j1", "j2"], [])


def test_wrong_json_types(tmp_path: Path) -> None:
    items = [
        _job(id=1, title=42),
        _job(id="j2", title={"en": "Nested"}),
        _job(id="j3", description=["a", "list"]),
        "just a string",
        _job(id="j5", title=None),
        _job(id="j6", title="   "),
        _job(id="j7", skills={"Python": 5}),
    ]
    path = _write_json(tmp_path / "jobs.json", items)

    batch = _fetch(path)

    assert [(job.external_id, job.title) for job in batch.jobs] == [
        ("1", "42"),
        ("j3", "Build a Django API"),
        ("j7", "Build a Django API"),
    ]
    assert batch.jobs[1].description == ""
    assert batch.problems == [
        f"{path}: item 2: field 'title' should be text, got dict; skipped",
        f"{path}: item 3: field 'description' should be text, got list; ignored",
        f"{path}: item 4: expected an object with job fields, got str; skipped",
        f"{path}: item 5: missing 'title'; skipped",
        f"{path}: item 6: missing 'title'; skipped",
        f"{path}: item 7: field 'skills' should be a list or text; ignored",
    ]
    assert batch.jobs[2].skills == []


@pytest.mark.parametrize(
    ("field", "value", "attribute"),
    [
        ("interviewing", "lots", "interviewing"),
        ("invites_sent", "nan", "invites_sent"),
        ("interviewing", "1e400", "interviewing"),
        ("interviewing", True, "interviewing"),
    ],
)
def test_bad_optional_number_is_dropped_with_a_note(
    tmp_path: Path, field: str, value: object, attribute: str
) -> None:
    path = _write_json(tmp_path / "jobs.json", [_job(**{field: value}), _job(id="j2")])

    batch = _fetch(path)

    assert [job.external_id for job in batch.jobs] == ["j1", "j2"]
    assert getattr(batch.jobs[0], attribute) is None
    assert batch.problems == [
        f"{path}: item 1: field '{field}' = {value!r} is not a number; stored without it"
    ]


def test_bad_client_feedback_is_dropped_with_a_note(tmp_path: Path) -> None:
    path = _write_json(tmp_path / "jobs.json", [_job(client={"feedback": "NaN", "hires": 2.0})])
    batch = _fetch(path)
    (job,) = batch.jobs
    assert (job.client_feedback, job.client_hires) == (None, 2)
    assert batch.problems == [
        f"{path}: item 1: field 'client.feedback' = 'NaN' is not a number; stored without it"
    ]


def test_unreadable_date_is_dropped_with_a_note(tmp_path: Path) -> None:
    items = [_job(posted_at="last Tuesday-ish", posted="2 days ago"), _job(id="j2", posted="soon")]
    path = _write_json(tmp_path / "jobs.json", items)

    before = datetime.now(UTC)
    batch = _fetch(path)

    first, second = batch.jobs
    assert first.posted_at is not None and second.posted_at is not None
    assert abs((before - first.posted_at).total_seconds() - 2 * 86400) < 60
    assert abs((second.posted_at - before).total_seconds()) < 60  # no time given: fetch time
    assert batch.problems == [
        f"{path}: item 1: field 'posted_at' = 'last Tuesday-ish' is not a date; stored without it",
        f"{path}: item 2: field 'posted' = 'soon' is not a date; stored without it",
    ]


def test_invalid_json_is_a_feed_error_with_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "jobs.json"
    path.write_text('[\n  {"id": "j1", "title": "One"},\n  {"id": "j2" "title": "Two"}\n]\n')
    with pytest.raises(FeedError) as caught:
        _fetch(path)
    assert str(caught.value) == (
        f"{path}:3:15: not valid JSON (Expecting ',' delimiter); fix the file or export it again"
    )


@pytest.mark.parametrize("data", [{"data": []}, "jobs", 42])
def test_json_that_is_not_a_list_of_jobs_is_a_feed_error(tmp_path: Path, data: object) -> None:
    path = _write_json(tmp_path / "jobs.json", data)
    with pytest.raises(FeedError) as caught:
        _fetch(path)
    assert str(caught.value) == f'{path}: expected a JSON array of jobs (or {{"jobs": [...]}})'


def test_missing_file_is_a_feed_error(tmp_path: Path) -> None:
    path = tmp_path / "gone.json"
    with pytest.raises(FeedError) as caught:
        _fetch(path)
    assert str(caught.value) == f"{path}: cannot read the jobs file (No such file or directory)"


def test_unknown_mapping_key_is_reported(tmp_path: Path) -> None:
    path = _write_json(tmp_path / "jobs.json", [{"id": "j1", "Job Title": "Mapped"}])
    batch = _fetch(path, mapping={"title": "Job Title", "titel": "Name"})
    assert [job.title for job in batch.jobs] == ["Mapped"]
    assert batch.problems == [
        f"{path}: mapping names 'titel', which is not a job field; it is ignored"
    ]


def test_plain_text_description_keeps_literal_markup(tmp_path: Path) -> None:
    text = "Our page shows <b>this</b> & <script>alert(1)</script>.\n\nFix it."
    (job,) = _fetch(_write_json(tmp_path / "jobs.json", [_job(description=text)])).jobs
    assert job.description == text


def test_html_descriptions_are_reduced_to_text(tmp_path: Path) -> None:
    markup = "<p>We need:</p><ul><li>Django</li><li>React &amp; Redux</li></ul><script>x()</script>"
    path = _write_json(tmp_path / "jobs.json", [_job(description=markup)])
    (job,) = _fetch(path, html_descriptions=True).jobs
    assert job.description == "We need:\n\n- Django\n- React & Redux"


def test_generator_json_parses_with_client_fields(tmp_path: Path) -> None:
    feeds = write_sample_feeds(tmp_path, anchor=ANCHOR)
    items = json.loads(feeds.json_path.read_text(encoding="utf-8"))

    batch = _fetch(feeds.json_path)

    assert batch.problems == []
    assert len(batch.jobs) == len(items) == JSON_COUNT == 170
    for item, job in zip(items, batch.jobs, strict=True):
        client = item["client"]
        assert (job.external_id, job.url, job.title) == (item["id"], item["url"], item["title"])
        assert job.description == item["description"]
        assert job.posted_at == datetime.fromisoformat(item["posted_at"])
        assert job.skills == item.get("skills", [])
        assert job.client_payment_verified == client["payment_verified"]
        assert job.client_hires == client["hires"]
        assert job.client_feedback == client["feedback"]
        assert job.client_country == client["country"]
        assert (job.interviewing, job.invites_sent) == (item["interviewing"], item["invites_sent"])
        spent = client["total_spent"]
        assert (job.client_total_spent is None) == (spent is None)
        if spent is not None:
            scale = {"K+": 1e3, "M+": 1e6}.get(spent[-2:], 1)
            digits = spent.strip("$KM+").replace(",", "")
            assert job.client_total_spent == pytest.approx(float(digits) * scale)
        since = client["member_since"]
        assert (job.client_member_since is None) == (since is None)
        if since is not None:
            assert job.client_member_since == datetime.strptime(since, "%b %d, %Y").replace(
                tzinfo=UTC
            )
    assert sum(job.client_total_spent is not None for job in batch.jobs) > 100
    assert sum(job.client_feedback is not None for job in batch.jobs) > 80


def test_build_source_reads_a_path_relative_to_the_config(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    _write_json(tmp_path / "data" / "jobs.json", [_job()])
    feed = FilesFeedConfig(name="alerts", kind="files", path="data/jobs.json")

    batch = build_source(feed, agency_config().with_base_dir(tmp_path)).fetch(fetch_context())

    assert (batch.source, [job.external_id for job in batch.jobs]) == ("alerts", ["j1"])
