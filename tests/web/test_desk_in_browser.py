"""The review desk end to end in real Chromium: sign in, clear a queue of five drafts with the
keyboard only, and the ways in that must stay shut. Also takes the screenshots in docs/
(written there when BIDFLOW_UPDATE_DOCS=1, to a temporary folder otherwise)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Dialog, Page, expect, sync_playwright

from bidflow.config import Role
from bidflow.db import session_scope
from bidflow.settings import Settings
from bidflow.types import utcnow
from connectors.chromium import launch_chromium
from tests.factories import make_job, write_config
from tests.web.browser import serve, sign_in
from tests.web.desk import EMAILS, add_users
from tests.web.seed import (
    HOSTILE_TITLE,
    add_bidder,
    load_proposal,
    proposal_actions,
    proposal_events,
    queue_drafts,
)
from web.app import create_app

pytestmark = pytest.mark.browser

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
FLAG = {"check": "contact_details", "reason": "the letter gives an email address"}
EDIT = " I can start on Monday."


@pytest.fixture
def desk(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[Page, str, dict[str, int]]]:
    """Five queued drafts (one for a hostile title, one flagged), a browser and the desk."""
    with session_scope(sqlite_url) as session:
        ana = add_bidder(session, "Ana")
        plain = queue_drafts(
            session,
            bidder=ana,
            jobs=[
                make_job(title=HOSTILE_TITLE),
                make_job(title="Django booking API"),
                make_job(title="FastAPI billing service"),
                make_job(title="Data pipeline in Python"),
            ],
        )
        flagged = queue_drafts(
            session, bidder=ana, jobs=[make_job(title="Scraper for a shop")], flags=[FLAG]
        )
    ids = dict(
        zip(("hostile", "edit", "reject", "plain", "flagged"), [*plain, *flagged], strict=True)
    )
    add_users(sqlite_url)
    settings = Settings(database_url=sqlite_url, config=write_config(tmp_path / "config"))
    with serve(create_app(settings)) as base_url, sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            yield browser.new_page(viewport={"width": 1280, "height": 1000}), base_url, ids
        finally:
            browser.close()


def _shots(tmp_path: Path) -> Path:
    if os.environ.get("BIDFLOW_UPDATE_DOCS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        return DOCS
    return tmp_path


def _selected(tab: Page) -> int:
    selected = tab.locator("article.card.selected")
    expect(selected).to_have_count(1)
    return int(selected.get_attribute("data-proposal") or 0)


def _select(tab: Page, proposal_id: int) -> None:
    """Move the selection with j/k only, down the page until ``proposal_id`` is selected."""
    order = [int(c.get_attribute("data-proposal") or 0) for c in tab.locator("article.card").all()]
    while _selected(tab) != proposal_id:
        tab.keyboard.press("j" if order.index(_selected(tab)) < order.index(proposal_id) else "k")


def test_a_sales_lead_clears_the_queue_with_the_keyboard(
    desk: tuple[Page, str, dict[str, int]], sqlite_url: str, tmp_path: Path
) -> None:
    tab, base_url, ids = desk
    dialogs: list[str] = []

    def record_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    tab.on("dialog", record_dialog)
    sign_in(tab, base_url, Role.SALES_LEAD)
    tab.goto(f"{base_url}/queue")
    expect(tab.locator("article.card")).to_have_count(5)
    hostile = tab.locator(f"#proposal-{ids['hostile']}")
    expect(hostile.locator(".job-title")).to_have_text(HOSTILE_TITLE)
    expect(hostile.locator(".job-title img")).to_have_count(0)
    tab.screenshot(path=_shots(tmp_path) / "queue.png", full_page=True)

    # Edit one (e, type, Escape), approve it (a), mark it sent with bid and Connects (s).
    _select(tab, ids["edit"])
    tab.keyboard.press("e")
    tab.keyboard.press("Control+End")
    tab.keyboard.type(EDIT)
    tab.keyboard.press("Escape")
    tab.keyboard.press("a")
    card = tab.locator(f"#proposal-{ids['edit']}")
    expect(card).to_have_attribute("data-status", "approved")
    tab.keyboard.press("s")
    tab.keyboard.type("750")
    tab.keyboard.press("Tab")
    tab.keyboard.type("16")
    tab.keyboard.press("Enter")
    expect(card).to_have_count(0)

    # Reject one with a reason (r, type, Enter).
    _select(tab, ids["reject"])
    tab.keyboard.press("r")
    tab.keyboard.type("Client wants an agency in their timezone")
    tab.keyboard.press("Enter")
    expect(tab.locator(f"#proposal-{ids['reject']}")).to_have_count(0)

    # A flagged draft: a asks for the override reason instead of approving.
    _select(tab, ids["flagged"])
    tab.keyboard.press("a")
    flagged = tab.locator(f"#proposal-{ids['flagged']}")
    expect(flagged.locator("[data-action=override-reason]")).to_be_focused()
    assert load_proposal(sqlite_url, ids["flagged"]).status == "queued"
    tab.keyboard.type("The address is the client's own support inbox")
    tab.keyboard.press("Enter")
    expect(flagged).to_have_attribute("data-status", "approved")

    # The rest: approve each, then mark each approved card sent, until the queue is empty.
    for name in ("hostile", "plain"):
        _select(tab, ids[name])
        tab.keyboard.press("a")
        expect(tab.locator(f"#proposal-{ids[name]}")).to_have_attribute("data-status", "approved")
    for name in ("hostile", "plain", "flagged"):
        _select(tab, ids[name])
        tab.keyboard.press("s")
        tab.keyboard.type("500")
        tab.keyboard.press("Enter")
        expect(tab.locator(f"#proposal-{ids[name]}")).to_have_count(0)
    expect(tab.locator("article.card")).to_have_count(0)
    assert dialogs == [], "a job's text ran as script"

    lead = EMAILS[Role.SALES_LEAD]
    edited = load_proposal(sqlite_url, ids["edit"])
    assert (edited.status, edited.reviewer, edited.bid_amount, edited.connects) == (
        "sent",
        lead,
        750.0,
        16,
    )
    assert edited.final_text is not None and edited.final_text.endswith(EDIT.strip())
    assert proposal_actions(sqlite_url, ids["edit"])[-3:] == ["edited", "approved", "sent"]
    rejected = load_proposal(sqlite_url, ids["reject"])
    assert rejected.status == "rejected"
    assert rejected.reject_reason == "Client wants an agency in their timezone"
    for name in ("hostile", "plain", "flagged"):
        assert load_proposal(sqlite_url, ids[name]).status == "sent"
        assert "approved" in proposal_actions(sqlite_url, ids[name])
        assert proposal_actions(sqlite_url, ids[name])[-1] == "sent"
    events = proposal_events(sqlite_url, ids["flagged"])
    override = [e for e in events if e.action == "override"]
    assert override and override[0].data["reason"].startswith("The address is")

    # The owner's report of this week now counts the four sends.
    sign_in(tab, base_url, Role.OWNER)
    year, week, _ = utcnow().isocalendar()
    report = tab.goto(f"{base_url}/reports?week={year}-W{week:02d}")
    assert report is not None and report.status == 200
    expect(tab.locator("tr.total")).to_contain_text("4")
    tab.screenshot(path=_shots(tmp_path) / "reports.png", full_page=True)
    assert all(e.actor == lead for e in events if e.action in ("approved", "sent", "rejected"))


def test_the_shut_doors(desk: tuple[Page, str, dict[str, int]], tmp_path: Path) -> None:
    tab, base_url, ids = desk
    sign_in(tab, base_url, Role.SALES_LEAD)

    owner_only = tab.goto(f"{base_url}/reports")
    assert owner_only is not None and owner_only.status == 403
    expect(tab.locator("body")).to_contain_text(EMAILS[Role.SALES_LEAD])

    tab.goto(f"{base_url}/queue")
    status = tab.evaluate(
        """async (id) => (await fetch(`/proposals/${id}/approve`, {
            method: "POST",
            headers: {"Content-Type": "application/x-www-form-urlencoded"},
            body: "text=hijacked",
        })).status""",
        ids["plain"],
    )
    assert status == 403
    expect(tab.locator(f"#proposal-{ids['plain']}")).to_have_attribute("data-status", "queued")

    # The flagged draft's Approve anyway button does nothing without a reason.
    flagged = tab.locator(f"#proposal-{ids['flagged']}")
    flagged.locator("[data-action=approve]").click()
    expect(flagged).to_have_attribute("data-status", "queued")

    tab.goto(f"{base_url}/proposals/{ids['hostile']}")
    expect(tab.locator("h1")).to_have_text(HOSTILE_TITLE)
    tab.screenshot(path=_shots(tmp_path) / "draft.png", full_page=True)
    assert (_shots(tmp_path) / "draft.png").read_bytes().startswith(b"\x89PNG")
