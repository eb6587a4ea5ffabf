"""The draft page, GET /proposals/{id}, over HTTP: the job and the letter side by side, autosave
through the page's own form attributes, the paste-ready letter once approved, and who may see it."""

from __future__ import annotations

import re

from markupsafe import escape

from bidflow.config import Role
from bidflow.db import session_scope
from tests.factories import make_job
from tests.web.desk import DeskClient, add_users
from tests.web.seed import (
    DRAFT,
    HOSTILE_TITLE,
    add_bidder,
    load_proposal,
    proposal_actions,
    queue_drafts,
    seed_review_queue,
)

HOSTILE_DESCRIPTION = "Need help.\n<script>alert('job')</script>\nThanks"
FLAG = {"check": "contact_details", "reason": "The letter shares an email address."}


def _attribute(html: str, element_id: str, name: str) -> str:
    """The value of attribute ``name`` on the element with id ``element_id``."""
    tag = re.search(rf'<[a-z]+ [^>]*id="{element_id}"[^>]*>', html)
    assert tag is not None, f"no element #{element_id}"
    value = re.search(rf'\s{name}="([^"]*)"', tag.group(0))
    assert value is not None, f"#{element_id} has no {name}"
    return value.group(1)


def _ana_and_ben(url: str) -> tuple[int, int]:
    """A queued draft for Ana's job and one for Ben's; the bidder user is Ana."""
    with session_scope(url) as session:
        ana, ben = add_bidder(session, "Ana"), add_bidder(session, "Ben")
        (own,) = queue_drafts(session, bidder=ana, jobs=[make_job(title="Ana's job")])
        (other,) = queue_drafts(session, bidder=ben, jobs=[make_job(title="Ben's job")])
    add_users(url, bidder="Ana")
    return own, other


def test_page_shows_the_job_and_the_draft(client: DeskClient, sqlite_url: str) -> None:
    seeded = seed_review_queue(
        sqlite_url, description=HOSTILE_DESCRIPTION, client_hires=6, client_jobs_posted=8
    )

    response = client.get(f"/proposals/{seeded.hostile}")

    assert response.status_code == 200
    page = response.text
    assert '<section class="draft-job" id="job"' in page
    assert '<section class="draft-letter" id="draft"' in page
    assert f'<h1 class="job-title">{escape(HOSTILE_TITLE)}</h1>' in page
    assert "<img src=x" not in page
    assert "<script>alert" not in page
    assert "Need help.\n&lt;script&gt;alert(&#39;job&#39;)&lt;/script&gt;\nThanks" in page
    assert "$1,500" in page and "75% of 8 jobs" in page and "United States" in page
    assert 'rel="noopener noreferrer"' in page and "Open the job on the marketplace" in page
    assert f">{DRAFT}</textarea>" in page
    assert "bidflow never submits anything to the marketplace." in page
    assert f'hx-get="/proposals/{seeded.hostile}/versions"' in page
    assert 'src="http://testserver/static/desk.js"' in page


def test_queue_card_title_links_to_the_draft_page(client: DeskClient, sqlite_url: str) -> None:
    seeded = seed_review_queue(sqlite_url)

    queue = client.get("/queue").text
    link = re.search(rf'<a href="([^"]+)" data-action="open">{re.escape("&lt;img")}', queue)

    assert link is not None and link.group(1) == f"/proposals/{seeded.hostile}"
    assert client.get(link.group(1)).status_code == 200


def test_every_post_form_carries_the_csrf_token(client: DeskClient, sqlite_url: str) -> None:
    seeded = seed_review_queue(sqlite_url)
    client.submit(f"/proposals/{seeded.hostile}/approve")  # its page has the mark-sent form

    for proposal_id in (seeded.plain, seeded.hostile):
        page = client.get(f"/proposals/{proposal_id}").text
        forms = re.findall(r'<form [^>]*method="post".*?</form>', page, flags=re.S)
        assert forms
        for form in forms:
            assert f'name="csrf_token" value="{client.csrf_token()}"' in form


def test_autosave_posts_the_letter_to_the_edit_route(client: DeskClient, sqlite_url: str) -> None:
    seeded = seed_review_queue(sqlite_url)
    page = client.get(f"/proposals/{seeded.plain}").text

    target = _attribute(page, "letter", "hx-post")
    trigger = _attribute(page, "letter", "hx-trigger")
    assert target == f"/proposals/{seeded.plain}/edit"
    assert "changed" in trigger and "delay:1s" in trigger
    assert _attribute(page, "letter", "name") == "text"
    assert 'id="autosave-status"' in page

    answer = client.submit(target, htmx=True, text="Hello,\r\nautosaved letter.")

    assert answer.status_code == 200
    assert load_proposal(sqlite_url, seeded.plain).final_text == "Hello,\nautosaved letter."
    assert proposal_actions(sqlite_url, seeded.plain) == ["queued", "edited"]
    assert ">Hello,\nautosaved letter.</textarea>" in client.get(f"/proposals/{seeded.plain}").text


def test_approve_turns_the_page_into_a_paste_ready_letter(
    client: DeskClient, sqlite_url: str
) -> None:
    seeded = seed_review_queue(sqlite_url)
    page = client.get(f"/proposals/{seeded.plain}").text
    assert 'id="ready-letter"' not in page and 'id="mark-sent"' not in page
    approve = re.search(r'formaction="([^"]+)" data-action="approve">Approve<', page)
    assert approve is not None

    assert client.submit(approve.group(1), text=DRAFT).status_code == 303
    ready = client.get(f"/proposals/{seeded.plain}").text

    assert load_proposal(sqlite_url, seeded.plain).status == "approved"
    assert re.search(r'<textarea id="ready-letter"[^>]* readonly[^>]*>', ready)
    assert f">{DRAFT}</textarea>" in ready
    assert 'data-action="copy" data-copy-from="#ready-letter"' in ready
    assert re.search(r'<a href="https://example\.test/jobs/\d+" target="_blank"', ready)
    assert 'id="letter"' not in ready  # no longer an editor
    mark_sent = _attribute(ready, "mark-sent", "action")
    assert mark_sent == f"/proposals/{seeded.plain}/mark-sent"
    assert 'name="bid"' in ready and 'name="connects"' in ready

    assert client.submit(mark_sent, bid="300", connects="8").status_code == 303
    sent = client.get(f"/proposals/{seeded.plain}").text
    assert load_proposal(sqlite_url, seeded.plain).status == "sent"
    assert "Marked as sent" in sent and "bid $300.00, 8 Connects" in sent
    assert 'id="mark-sent"' not in sent


def test_a_flagged_draft_asks_for_the_override_reason(client: DeskClient, sqlite_url: str) -> None:
    with session_scope(sqlite_url) as session:
        (proposal_id,) = queue_drafts(
            session, bidder=add_bidder(session), jobs=[make_job()], flags=[FLAG]
        )

    page = client.get(f"/proposals/{proposal_id}").text

    assert "The letter shares an email address." in page and 'class="flags"' in page
    assert 'name="override_reason"' in page and "Approve anyway" in page
    assert 'data-blocking="true"' in page


def test_a_rejected_draft_shows_the_reason_and_no_actions(
    client: DeskClient, sqlite_url: str
) -> None:
    seeded = seed_review_queue(sqlite_url)
    client.submit(f"/proposals/{seeded.plain}/reject", reason="Client wants <an agency>")

    page = client.get(f"/proposals/{seeded.plain}").text

    assert "Client wants &lt;an agency&gt;" in page
    assert 'data-action="approve"' not in page and 'id="reject-form"' not in page


def test_bidder_sees_their_own_draft_read_only(client: DeskClient, sqlite_url: str) -> None:
    own, _ = _ana_and_ben(sqlite_url)
    client.switch_to(Role.BIDDER)

    page = client.get(f"/proposals/{own}")

    assert page.status_code == 200
    assert "Ana&#39;s job" in page.text and f">{DRAFT}</textarea>" in page.text
    assert "Waiting for a reviewer" in page.text
    for control in ('id="letter"', 'data-action="approve"', 'id="reject-form"', "/regenerate"):
        assert control not in page.text


def test_bidder_marks_their_approved_proposal_sent_from_the_page(
    client: DeskClient, sqlite_url: str
) -> None:
    own, _ = _ana_and_ben(sqlite_url)
    client.submit(f"/proposals/{own}/approve")  # as the owner
    client.switch_to(Role.BIDDER)

    page = client.get(f"/proposals/{own}").text
    assert 'id="ready-letter"' in page
    assert client.submit(_attribute(page, "mark-sent", "action"), bid="90").status_code == 303

    assert load_proposal(sqlite_url, own).status == "sent"


def test_bidder_is_refused_another_bidders_draft(client: DeskClient, sqlite_url: str) -> None:
    _, other = _ana_and_ben(sqlite_url)
    client.switch_to(Role.BIDDER)

    page = client.get(f"/proposals/{other}")

    assert page.status_code == 403
    assert "Ben&#39;s job" not in page.text and DRAFT not in page.text


def test_an_account_manager_may_look_but_not_review(client: DeskClient, sqlite_url: str) -> None:
    own, _ = _ana_and_ben(sqlite_url)
    client.switch_to(Role.ACCOUNT_MANAGER)

    page = client.get(f"/proposals/{own}")

    assert page.status_code == 200 and f">{DRAFT}</textarea>" in page.text
    for control in ('id="letter"', 'data-action="approve"', 'id="reject-form"', "/regenerate"):
        assert control not in page.text
    assert client.submit(f"/proposals/{own}/approve").status_code == 403
    assert load_proposal(sqlite_url, own).status == "queued"


def test_sales_lead_may_review_from_the_page(client: DeskClient, sqlite_url: str) -> None:
    own, _ = _ana_and_ben(sqlite_url)
    client.switch_to(Role.SALES_LEAD)

    page = client.get(f"/proposals/{own}").text

    assert 'id="letter"' in page and 'data-action="approve"' in page
    assert f'action="/proposals/{own}/regenerate"' in page


def test_unknown_proposal_is_404(client: DeskClient) -> None:
    assert client.get("/proposals/999").status_code == 404


def test_a_visitor_is_sent_to_sign_in(client: DeskClient, sqlite_url: str) -> None:
    seeded = seed_review_queue(sqlite_url)
    client.submit("/logout")

    answer = client.get(f"/proposals/{seeded.plain}", follow_redirects=False)

    assert answer.status_code == 303 and "/login" in answer.headers["location"]
