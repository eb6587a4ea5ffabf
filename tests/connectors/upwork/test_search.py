"""Polling the job search: what a node becomes, how pages are walked, where a poll stops."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bidflow.fingerprint import content_hash
from connectors.feeds.upwork_api import UpworkApiSource
from connectors.feeds.upwork_nodes import proposals_bucket
from tests.connectors.upwork.fake_server import FakeUpwork
from tests.connectors.upwork.nodes import make_node, make_nodes
from tests.connectors.upwork.support import KnownIds, connect_feed, context, feed_config

DESCRIPTION = (
    "We need a Python developer for job {}.\n\nBuild endpoints for bookings\nand payments."
)


def source_for(fake: FakeUpwork, home: Path, **overrides: object) -> UpworkApiSource:
    source = UpworkApiSource.from_config(feed_config(fake, **overrides))
    connect_feed(fake, source, home)
    return source


def test_a_poll_maps_every_field_of_a_node(
    fake_upwork: FakeUpwork, connected: UpworkApiSource, bidflow_home: Path
) -> None:
    fixed, hourly = make_node(), make_node(hourly=True, totalApplicants=50)
    fake_upwork.publish(hourly, fixed)

    batch = connected.fetch(context(bidflow_home))

    assert (batch.status, batch.problems, batch.already_known) == ("ok", [], 0)
    second, first = batch.jobs
    number = int(fixed["ciphertext"][3:], 16)
    assert first.source == "up"
    assert first.external_id == fixed["ciphertext"]
    assert first.url == f"https://www.upwork.com/jobs/{fixed['ciphertext']}"
    assert first.title == fixed["title"]
    assert first.description == DESCRIPTION.format(number)
    assert first.category == "Web, Mobile & Software Dev > Web Development"
    assert first.skills == ["Python", "Django", "postgresql"]
    assert (first.job_type, first.budget, first.hourly_min, first.hourly_max) == (
        "fixed",
        1500.0,
        None,
        None,
    )
    assert first.experience_level == "Expert"
    assert first.posted_at == datetime.fromisoformat(fixed["publishedDateTime"])
    assert (first.proposals_count, first.proposals_bucket) == (7, "5 to 10")
    assert first.interviewing is None and first.invites_sent is None  # not in the API
    assert first.client_payment_verified is True
    assert (first.client_country, first.client_timezone) == ("United States", "UTC-06:00")
    assert first.client_total_spent == 25300.5
    assert (first.client_hires, first.client_jobs_posted) == (12, 15)
    assert (first.client_feedback, first.client_reviews) == (4.85, 9)
    assert first.client_member_since == datetime(2019, 3, 4, tzinfo=UTC)
    assert first.content_hash == content_hash(first.title, first.description)
    assert first.raw == fixed
    assert (second.job_type, second.budget, second.hourly_min, second.hourly_max) == (
        "hourly",
        None,
        35.0,
        60.0,
    )
    assert (second.proposals_count, second.proposals_bucket) == (50, "50+")
    assert batch.cursor == {"newest": {"django": hourly["ciphertext"]}}


def test_a_partial_node_is_a_job_with_what_it_has(
    fake_upwork: FakeUpwork, connected: UpworkApiSource, bidflow_home: Path
) -> None:
    fake_upwork.publish({"id": "1790000000000000999", "title": "Django fix, quick"})

    (job,) = connected.fetch(context(bidflow_home)).jobs

    assert (job.external_id, job.url, job.title, job.description) == (
        "1790000000000000999",
        None,
        "Django fix, quick",
        "",
    )
    unset = {name for name, value in job.model_dump().items() if value in (None, [])}
    assert unset >= {"category", "skills", "job_type", "budget", "posted_at", "client_hires"}
    assert job.client_payment_verified is None and job.proposals_bucket is None


def test_the_search_sends_the_saved_filter_as_variables_with_the_tenant(
    fake_upwork: FakeUpwork, upwork_secret: str, bidflow_home: Path
) -> None:
    search = {
        "name": "py",
        "query": 'django AND "rest api"',
        "title": "backend",
        "skills": "python",
        "category_ids": ["531770282580668418"],
        "job_type": "HOURLY",
        "verified_payment_only": True,
        "filters": {"experienceLevel_eq": "EXPERT", "clientHiresRange_eq": {"rangeStart": 1}},
    }
    source = source_for(
        fake_upwork, bidflow_home, searches=[search], tenant_id="424242", page_size=20
    )

    source.fetch(context(bidflow_home))

    (seen,) = fake_upwork.requests("graphql")
    assert fake_upwork.filters() == [
        {
            "searchExpression_eq": 'django AND "rest api"',
            "titleExpression_eq": "backend",
            "skillExpression_eq": "python",
            "categoryIds_any": ["531770282580668418"],
            "jobType_eq": "HOURLY",
            "verifiedPaymentOnly_eq": True,
            "experienceLevel_eq": "EXPERT",
            "clientHiresRange_eq": {"rangeStart": 1},
            "pagination_eq": {"first": 20},
        }
    ]
    assert "rest api" not in seen.query and "USER_JOBS_SEARCH" in seen.query
    assert "sortAttributes: [{field: RECENCY}]" in seen.query
    assert seen.headers["x-upwork-api-tenantid"] == "424242"
    assert seen.headers["authorization"] == f"Bearer {seen.bearer}"


def test_paging_stops_after_the_page_with_the_first_known_job(
    fake_upwork: FakeUpwork, upwork_secret: str, bidflow_home: Path
) -> None:
    nodes = make_nodes(12)
    fake_upwork.publish(*nodes)
    known = KnownIds(node["ciphertext"] for node in nodes[7:])
    source = source_for(fake_upwork, bidflow_home, page_size=5)

    batch = source.fetch(context(bidflow_home, known))

    assert [job.external_id for job in batch.jobs] == [n["ciphertext"] for n in nodes[:7]]
    assert batch.already_known == 3
    pages = [f["pagination_eq"] for f in fake_upwork.filters()]
    assert len(pages) == 2
    assert pages[0] == {"first": 5} and set(pages[1]) == {"first", "after"}
    assert known.asked == [
        [n["ciphertext"] for n in nodes[:5]],
        [n["ciphertext"] for n in nodes[5:10]],
    ]


def test_paging_ends_at_the_last_page_or_at_max_pages(
    fake_upwork: FakeUpwork, upwork_secret: str, bidflow_home: Path
) -> None:
    fake_upwork.publish(*make_nodes(7))
    source = source_for(fake_upwork, bidflow_home, page_size=5, max_pages=2)

    assert len(source.fetch(context(bidflow_home)).jobs) == 7
    assert len(fake_upwork.requests("graphql")) == 2  # pages of 5 and 2, then no next page

    fake_upwork.publish(*make_nodes(11))
    batch = source.fetch(context(bidflow_home, cursor={"newest": {"django": "~01old"}}))

    assert len(batch.jobs) == 10 and len(fake_upwork.requests("graphql")) == 4
    assert batch.problems == [
        "up: search 'django' has more than 2 pages of new jobs; older ones were not read"
        " (raise max_pages or poll more often)"
    ]


def test_a_job_two_searches_find_is_yielded_once(
    fake_upwork: FakeUpwork, upwork_secret: str, bidflow_home: Path
) -> None:
    both = make_node(title="Django REST API for invoices")
    only_api = make_node(title="Node.js API gateway", description="Express", skills=[])
    only_django = make_node(title="Django admin tweaks", description="Small fixes")
    fake_upwork.publish(only_django, only_api, both)
    searches = [{"name": "django", "query": "django"}, {"name": "apis", "query": "api"}]
    source = source_for(fake_upwork, bidflow_home, searches=searches)

    batch = source.fetch(context(bidflow_home))

    assert [job.title for job in batch.jobs] == [
        only_django["title"],
        both["title"],
        only_api["title"],
    ]
    assert [f["searchExpression_eq"] for f in fake_upwork.filters()] == ["django", "api"]
    assert batch.cursor == {
        "newest": {"django": only_django["ciphertext"], "apis": only_api["ciphertext"]}
    }


def test_a_node_that_cannot_be_a_job_is_a_problem_and_the_rest_are_stored(
    fake_upwork: FakeUpwork, connected: UpworkApiSource, bidflow_home: Path
) -> None:
    untitled = make_node(title=" ")
    nameless = make_node(id=None, ciphertext=None)
    good = make_nodes(2)
    fake_upwork.publish(good[0], untitled, nameless, good[1])

    batch = connected.fetch(context(bidflow_home))

    assert [job.external_id for job in batch.jobs] == [n["ciphertext"] for n in good]
    assert batch.problems == [
        f"up: search 'django' page 1 node 2: {untitled['ciphertext']} has no title; skipped",
        "up: search 'django' page 1 node 3: has neither ciphertext nor id; skipped",
    ]


def test_a_field_of_the_wrong_type_is_dropped_with_a_note_and_the_job_kept(
    fake_upwork: FakeUpwork, connected: UpworkApiSource, bidflow_home: Path
) -> None:
    node = make_node(totalApplicants="many", skills="python", publishedDateTime="soon")
    node["client"] = {**node["client"], "totalHires": [3], "location": "Berlin"}
    fake_upwork.publish(node)

    batch = connected.fetch(context(bidflow_home))

    (job,) = batch.jobs
    assert (job.proposals_count, job.proposals_bucket, job.skills) == (None, None, [])
    assert job.client_hires is None and job.client_country is None
    assert job.posted_at == datetime.fromisoformat(node["createdDateTime"])
    assert job.client_jobs_posted == 15  # the rest of the client is kept
    where = f"up: search 'django' page 1 node 1 ({node['ciphertext']})"
    assert sorted(batch.problems) == [
        f"{where}: field 'client.location' = 'Berlin' is not an object; stored without it",
        f"{where}: field 'client.totalHires' = '[3]' is not a number; stored without it",
        f"{where}: field 'publishedDateTime' = 'soon' is not a date; stored without it",
        f"{where}: field 'skills' = 'python' is not a list; stored without it",
        f"{where}: field 'totalApplicants' = 'many' is not a number; stored without it",
    ]


@pytest.mark.parametrize(
    ("applicants", "bucket"),
    [
        (None, None),
        (0, "Less than 5"),
        (4, "Less than 5"),
        (5, "5 to 10"),
        (9, "5 to 10"),
        (10, "10 to 15"),
        (15, "15 to 20"),
        (19, "15 to 20"),
        (20, "20 to 50"),
        (49, "20 to 50"),
        (50, "50+"),
        (400, "50+"),
    ],
)
def test_applicants_fall_into_the_marketplace_buckets(applicants: int | None, bucket: str) -> None:
    assert proposals_bucket(applicants) == bucket
