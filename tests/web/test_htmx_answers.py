"""What htmx gets back: card partials, empty answers for cards leaving the queue, and errors
aimed at the page's message area."""

from __future__ import annotations

from tests.web.desk import DeskClient
from tests.web.seed import load_proposal, seed_review_queue


def test_htmx_approve_answers_with_the_card(client: DeskClient, sqlite_url: str) -> None:
    seeded = seed_review_queue(sqlite_url)

    response = client.post(
        f"/proposals/{seeded.hostile}/approve",
        headers={"HX-Request": "true", "X-CSRF-Token": client.csrf_token()},
    )

    assert response.status_code == 200
    assert response.text.lstrip().startswith(
        f'<article class="card" id="proposal-{seeded.hostile}"'
    )
    assert 'data-status="approved"' in response.text
    assert "Mark as sent" in response.text
    assert "<img src=x" not in response.text
    assert response.headers["HX-Trigger"] == "queue-changed"
    assert load_proposal(sqlite_url, seeded.hostile).status == "approved"


def test_htmx_reject_answers_with_nothing(client: DeskClient, sqlite_url: str) -> None:
    seeded = seed_review_queue(sqlite_url)

    response = client.submit(f"/proposals/{seeded.plain}/reject", htmx=True, reason="Too small")

    assert response.status_code == 200
    assert response.text == ""
    assert load_proposal(sqlite_url, seeded.plain).status == "rejected"


def test_htmx_errors_go_to_the_message_area(client: DeskClient, sqlite_url: str) -> None:
    seeded = seed_review_queue(sqlite_url)

    response = client.submit(f"/proposals/{seeded.plain}/mark-sent", htmx=True, connects="abc")

    assert response.status_code == 422
    assert response.headers["HX-Retarget"] == "#messages"
    assert response.text.strip() == (
        '<p class="message error" role="alert">connects must be a whole number</p>'
    )


def test_queue_summary_counts(client: DeskClient, sqlite_url: str) -> None:
    seeded = seed_review_queue(sqlite_url)
    client.submit(f"/proposals/{seeded.plain}/approve")

    summary = client.get("/queue/summary").text

    assert '<strong id="queued-count">1</strong> draft to review' in summary
    assert '<strong id="approved-count">1</strong> approved' in summary
