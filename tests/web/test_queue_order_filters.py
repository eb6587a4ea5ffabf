"""The review queue's urgency order and its filters (``?bidder=&source=&flag=``), over HTTP."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from bidflow.config import Role
from bidflow.db import session_scope
from bidflow.models import Job
from bidflow.store.decisions import store_decisions
from bidflow.store.proposals import get_proposal
from bidflow.types import utcnow
from tests.factories import make_job
from tests.web.desk import DeskClient, add_users
from tests.web.seed import add_bidder, queue_drafts
from web.routes.queue import urgency

PLACEHOLDER = {"check": "placeholder", "reason": "the letter still says [CLIENT NAME]"}
OFFLINE = {"check": "offline", "reason": "no language model is configured"}


def _page_order(page: str) -> list[int]:
    """The proposal ids of the page's cards, top to bottom."""
    return [int(found) for found in re.findall(r'<article class="card" id="proposal-(\d+)"', page)]


def _queue_with_scores(url: str, jobs: list[tuple[dict[str, object], float | None]]) -> list[int]:
    """One draft for Ana per (job fields, triage score or None); the proposal ids, in order."""
    with session_scope(url) as session:
        bidder = add_bidder(session)
        ids = queue_drafts(session, bidder=bidder, jobs=[make_job(**fields) for fields, _ in jobs])
        decisions = []
        for proposal_id, (_, score) in zip(ids, jobs, strict=True):
            if score is None:
                continue
            proposal = get_proposal(session=session, proposal_id=proposal_id)
            decisions.append(
                {
                    "job_id": proposal.job_id,
                    "bidder_id": proposal.bidder_id,
                    "ruleset": "default",
                    "passed": True,
                    "score": score,
                    "routed": True,
                    "reasons": [],
                }
            )
        store_decisions(session=session, decisions=decisions)
    return ids


def test_urgency_follows_the_documented_formula() -> None:
    now = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    job = Job.model_validate(
        make_job(posted_at=now - timedelta(minutes=60), proposals_bucket="10 to 15").model_dump()
    )
    # 0.6 × 0.5 (an hour old) + 0.25 × 0.8 + 0.15 × 0.6 (third of six buckets)
    assert urgency(job, 0.8, now=now) == pytest.approx(0.59)
    unknown = Job.model_validate(make_job(posted_at=None, proposals_bucket=None).model_dump())
    assert urgency(unknown, None, now=now) == pytest.approx(0.25 * 0.5 + 0.15 * 0.5)


def test_a_fresh_job_comes_before_an_older_better_one(client: DeskClient, sqlite_url: str) -> None:
    now = utcnow()
    older_best, fresh_worst = _queue_with_scores(
        sqlite_url,
        [
            ({"posted_at": now - timedelta(hours=2), "proposals_bucket": "Less than 5"}, 1.0),
            ({"posted_at": now - timedelta(minutes=2), "proposals_bucket": "50+"}, 0.5),
        ],
    )

    assert _page_order(client.get("/queue").text) == [fresh_worst, older_best]


def test_among_jobs_of_one_age_the_higher_score_comes_first(
    client: DeskClient, sqlite_url: str
) -> None:
    posted = utcnow() - timedelta(minutes=10)
    low, high = _queue_with_scores(
        sqlite_url,
        [
            ({"posted_at": posted, "proposals_bucket": "5 to 10"}, 0.55),
            ({"posted_at": posted, "proposals_bucket": "5 to 10"}, 0.95),
        ],
    )

    assert _page_order(client.get("/queue").text) == [high, low]


def test_among_jobs_of_one_age_and_score_fewer_proposals_come_first(
    client: DeskClient, sqlite_url: str
) -> None:
    posted = utcnow() - timedelta(minutes=10)
    crowded, open_, unknown = _queue_with_scores(
        sqlite_url,
        [
            ({"posted_at": posted, "proposals_bucket": "20 to 50"}, 0.7),
            ({"posted_at": posted, "proposals_bucket": "Less than 5"}, 0.7),
            ({"posted_at": posted, "proposals_bucket": None}, 0.7),
        ],
    )

    assert _page_order(client.get("/queue").text) == [open_, unknown, crowded]


def _two_bidders_two_sources(url: str) -> dict[str, int]:
    """Ana: a clean draft from "test" and a flagged one from "upwork-rss"; Ben: an offline-noted
    draft from "test"."""
    with session_scope(url) as session:
        ana, ben = add_bidder(session, "Ana"), add_bidder(session, "Ben")
        (ana_clean,) = queue_drafts(session, bidder=ana, jobs=[make_job(source="test")])
        (ana_flagged,) = queue_drafts(
            session, bidder=ana, jobs=[make_job(source="upwork-rss")], flags=[PLACEHOLDER]
        )
        (ben_noted,) = queue_drafts(
            session, bidder=ben, jobs=[make_job(source="test")], flags=[OFFLINE]
        )
    return {"ana_clean": ana_clean, "ana_flagged": ana_flagged, "ben_noted": ben_noted}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"ana_clean", "ana_flagged", "ben_noted"}),
        ("?bidder=Ana", {"ana_clean", "ana_flagged"}),
        ("?bidder=Ben", {"ben_noted"}),
        ("?source=upwork-rss", {"ana_flagged"}),
        ("?source=test", {"ana_clean", "ben_noted"}),
        ("?flag=any", {"ana_flagged"}),
        ("?flag=none", {"ana_clean", "ben_noted"}),  # a notice does not block approval
        ("?flag=offline", {"ben_noted"}),
        ("?flag=placeholder", {"ana_flagged"}),
        ("?bidder=Ana&source=test", {"ana_clean"}),
        ("?bidder=Ana&flag=offline", set()),
        ("?bidder=&source=&flag=", {"ana_clean", "ana_flagged", "ben_noted"}),
    ],
)
def test_filters_narrow_the_queue(
    client: DeskClient, sqlite_url: str, query: str, expected: set[str]
) -> None:
    seeded = _two_bidders_two_sources(sqlite_url)

    shown = set(_page_order(client.get(f"/queue{query}").text))

    assert shown == {seeded[name] for name in expected}


def test_filter_form_shows_the_choices_and_the_current_filters(
    client: DeskClient, sqlite_url: str
) -> None:
    _two_bidders_two_sources(sqlite_url)

    page = client.get("/queue?bidder=Ben&flag=offline").text

    form = page[page.index('<form class="queue-filters"') :]
    form = form[: form.index("</form>")]
    assert 'method="get"' in form
    assert '<option value="Ben" selected>Ben</option>' in form
    assert '<option value="Ana">Ana</option>' in form
    assert '<option value="upwork-rss">upwork-rss</option>' in form
    assert '<option value="offline" selected>offline</option>' in form
    assert '<option value="placeholder">placeholder</option>' in form
    assert "Clear filters" in form
    # The counts line covers the whole queue, like its refresh after each action.
    assert '<strong id="queued-count">3</strong>' in page


def test_a_filter_matching_nothing_says_so(client: DeskClient, sqlite_url: str) -> None:
    _two_bidders_two_sources(sqlite_url)

    page = client.get("/queue?bidder=Nobody").text

    assert _page_order(page) == []
    assert "No proposal matches these filters" in page
    assert '<option value="Nobody" selected>Nobody</option>' in page


def test_filter_values_are_escaped(client: DeskClient, sqlite_url: str) -> None:
    _two_bidders_two_sources(sqlite_url)

    page = client.get("/queue", params={"source": '"><script>alert(1)</script>'}).text

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_card_actions_on_a_filtered_queue_stay_on_the_page(
    client: DeskClient, sqlite_url: str
) -> None:
    """Filters survive actions: every action form of a card swaps the card in place (htmx), so
    the page, and the filters in its address, stay as they were."""
    seeded = _two_bidders_two_sources(sqlite_url)
    page = client.get("/queue?bidder=Ana").text
    card = page[page.index(f'id="proposal-{seeded["ana_clean"]}"') :]
    card = card[: card.index("</article>")]

    forms = re.findall(r"<form [^>]*>", card)
    assert len(forms) == 3  # edit/approve, regenerate, reject
    for form in forms:
        assert f'hx-target="#proposal-{seeded["ana_clean"]}"' in form
        assert 'hx-swap="outerHTML"' in form

    answer = client.submit(f"/proposals/{seeded['ana_clean']}/approve", htmx=True)
    assert answer.status_code == 200
    assert set(_page_order(client.get("/queue?bidder=Ana").text)) == {
        seeded["ana_clean"],
        seeded["ana_flagged"],
    }


def test_draft_page_leads_back_to_the_filtered_queue(client: DeskClient, sqlite_url: str) -> None:
    seeded = _two_bidders_two_sources(sqlite_url)
    draft = f"/proposals/{seeded['ana_clean']}"

    filtered = client.get(draft, headers={"referer": "http://testserver/queue?bidder=Ana"}).text
    elsewhere = client.get(draft, headers={"referer": "https://evil.test/queue?x=1"}).text

    assert '<a href="/queue?bidder=Ana" data-action="back">' in filtered
    assert '<a href="/queue" data-action="back">' in elsewhere


def test_card_shows_client_signals_and_links_to_its_draft_page(
    client: DeskClient, sqlite_url: str
) -> None:
    with session_scope(sqlite_url) as session:
        (proposal_id,) = queue_drafts(
            session,
            bidder=add_bidder(session),
            jobs=[make_job(client_hires=3, client_jobs_posted=4, client_reviews=9)],
        )

    page = client.get("/queue").text

    assert f'<a href="/proposals/{proposal_id}" data-action="open">' in page
    assert "<dd>75% of 4 jobs</dd>" in page
    assert "<dd>4.8 ★ (9 reviews)</dd>" in page
    assert "<dd>$25,000</dd>" in page and "<dd>✓</dd>" in page
    assert 'class="ago">just now</time>' in page
    assert 'data-action="approve"' in page and 'data-action="reject-reason"' in page
    assert 'src="http://testserver/static/desk.js"' in page
    assert 'id="shortcuts"' in page


def test_bidder_sees_only_their_own_filters(client: DeskClient, sqlite_url: str) -> None:
    seeded = _two_bidders_two_sources(sqlite_url)
    add_users(sqlite_url, bidder="Ben")
    client.switch_to(Role.BIDDER)

    page = client.get("/queue?bidder=Ana").text  # a bidder cannot widen their queue

    assert _page_order(page) == []
    assert 'name="bidder"' not in page
    assert _page_order(client.get("/queue").text) == [seeded["ben_noted"]]
    assert '<option value="upwork-rss">' not in page  # Ana's source is not Ben's business
