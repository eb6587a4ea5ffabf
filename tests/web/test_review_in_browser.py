"""A reviewer approves one draft and rejects another in a real Chromium, against a real server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Dialog, Page, expect, sync_playwright

from bidflow.config import Role
from bidflow.settings import Settings
from connectors.chromium import launch_chromium
from tests.web.browser import serve, sign_in
from tests.web.desk import EMAILS, add_users
from tests.web.seed import (
    HOSTILE_TITLE,
    load_proposal,
    proposal_actions,
    seed_review_queue,
    transition_refusal,
)
from web.app import create_app

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def page(sqlite_url: str) -> Iterator[tuple[Page, str]]:
    """A Chromium page and the base URL of the review desk serving this test's database."""
    add_users(sqlite_url)
    with serve(create_app(Settings(database_url=sqlite_url))) as base_url, sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            tab = browser.new_page(viewport={"width": 1100, "height": 1400})
            sign_in(tab, base_url)
            yield tab, base_url
        finally:
            browser.close()


def test_reviewer_approves_and_rejects(
    page: tuple[Page, str], sqlite_url: str, tmp_path: Path
) -> None:
    tab, base_url = page
    seeded = seed_review_queue(sqlite_url)
    dialogs: list[str] = []

    def record_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    tab.on("dialog", record_dialog)

    tab.goto(f"{base_url}/queue")
    expect(tab.locator("article.card")).to_have_count(2)
    assert tab.evaluate("typeof htmx") == "object", "htmx did not load from /static"
    hostile = tab.locator(f"#proposal-{seeded.hostile}")
    plain = tab.locator(f"#proposal-{seeded.plain}")
    expect(hostile.locator(".job-title")).to_have_text(HOSTILE_TITLE)
    expect(hostile.locator(".job-title img")).to_have_count(0)
    shot = tmp_path / "queue.png"
    tab.screenshot(path=shot, full_page=True)
    assert shot.read_bytes().startswith(b"\x89PNG")

    hostile.get_by_role("button", name="Approve").click()
    expect(hostile).to_have_attribute("data-status", "approved")
    expect(hostile).to_contain_text("Submit this yourself on the marketplace")
    expect(tab.locator("#queued-count")).to_have_text("1")
    approved = load_proposal(sqlite_url, seeded.hostile)
    assert (approved.status, approved.reviewer) == ("approved", EMAILS[Role.SALES_LEAD])
    assert "approved" in proposal_actions(sqlite_url, seeded.hostile)

    plain.get_by_label("Reason for rejecting").fill("Client wants an agency in their timezone")
    plain.get_by_role("button", name="Reject").click()
    expect(plain).to_have_count(0)
    rejected = load_proposal(sqlite_url, seeded.plain)
    assert rejected.status == "rejected"
    assert rejected.reject_reason == "Client wants an agency in their timezone"
    assert proposal_actions(sqlite_url, seeded.plain)[-1] == "rejected"

    tab.reload()
    expect(tab.locator("article.card")).to_have_count(1)
    expect(tab.locator(f"#proposal-{seeded.hostile}")).to_have_attribute("data-status", "approved")
    expect(tab.locator("#queued-count")).to_have_text("0")
    assert dialogs == [], f"a script ran from job text: {dialogs}"


def test_refused_action_shows_a_message(page: tuple[Page, str], sqlite_url: str) -> None:
    tab, base_url = page
    seeded = seed_review_queue(sqlite_url)
    tab.goto(f"{base_url}/queue")
    expect(tab.locator("article.card")).to_have_count(2)
    # Someone else rejects the draft while this page is open; Approve must then fail visibly.
    tab.context.request.post(
        f"{base_url}/proposals/{seeded.plain}/reject",
        form={"reason": "Handled elsewhere", "csrf_token": _csrf_cookie(tab)},
    )

    tab.locator(f"#proposal-{seeded.plain}").get_by_role("button", name="Approve").click()

    expect(tab.locator("#messages")).to_have_text(transition_refusal("rejected", "approved"))
    expect(tab.locator(f"#proposal-{seeded.plain}")).to_have_count(1)  # the card is not lost
    assert load_proposal(sqlite_url, seeded.plain).status == "rejected"

    # The next action that works clears the message: it no longer applies.
    tab.locator(f"#proposal-{seeded.hostile}").get_by_role("button", name="Approve").click()
    expect(tab.locator("#messages")).to_have_text("")
    assert load_proposal(sqlite_url, seeded.hostile).status == "approved"


def _csrf_cookie(tab: Page) -> str:
    return next(c["value"] for c in tab.context.cookies() if c["name"] == "bidflow_csrf")
