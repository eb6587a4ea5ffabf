"""Regenerating a proposal with the reviewer's instruction: a new version, history kept."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bidflow.config import AgencyConfig
from bidflow.db import session_scope
from bidflow.errors import TransitionError
from bidflow.models import Proposal, ProposalStatus, ProposalVersion
from bidflow.settings import Settings, get_settings
from bidflow.store.jobs import get_job
from bidflow.store.proposals import approve, edit_text, mark_sent
from bidflow.store.versions import list_versions
from flows.regenerate import regenerate_proposal
from rules.content import DraftContent, check_draft
from tests.connectors.fake_openai import Fail, FakeOpenAI, Say, fake_openai
from tests.factories import agency_config, make_job
from tests.web.seed import DRAFT, add_bidder, load_proposal, proposal_actions, queue_drafts

__all__ = ["fake_openai"]  # the fixture, used by name

AGENCY = agency_config()


@pytest.fixture
def llm(fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    """The fake OpenAI server, configured as this process's LLM."""
    monkeypatch.setenv("BIDFLOW_OPENAI_BASE_URL", fake_openai.base_url)
    get_settings.cache_clear()
    yield fake_openai


@pytest.fixture
def proposal_id(sqlite_url: str) -> int:
    """One queued draft by Ana (a bidder of ``AGENCY``) for a Shopify job."""
    with session_scope(sqlite_url) as session:
        bidder = add_bidder(session, name="Ana")
        job = make_job(title="Shopify store speed-up", client_key="client-1")
        (queued,) = queue_drafts(session, bidder=bidder, jobs=[job])
    return queued


def _regenerate(
    url: str, proposal_id: int, instruction: str, agency: AgencyConfig = AGENCY
) -> Proposal:
    return regenerate_proposal(
        settings=get_settings(),
        agency=agency,
        url=url,
        proposal_id=proposal_id,
        instruction=instruction,
        actor="rita",
    )


def _history(url: str, proposal_id: int) -> list[ProposalVersion]:
    with session_scope(url) as session:
        return list(list_versions(session=session, proposal_id=proposal_id))


def _user_message(body: dict[str, object]) -> str:
    messages = body["messages"]
    assert isinstance(messages, list)
    return str(messages[1]["content"])


def test_versions_increment_and_history_is_kept(
    llm: FakeOpenAI, sqlite_url: str, proposal_id: int
) -> None:
    llm.enqueue(Say("Second letter, shorter."), Say("Third letter, about the migration."))
    _regenerate(sqlite_url, proposal_id, "shorter")
    proposal = _regenerate(sqlite_url, proposal_id, "mention the Shopify migration")

    history = _history(sqlite_url, proposal_id)
    assert [(v.version, v.kind) for v in history] == [
        (1, "draft"),
        (2, "regenerated"),
        (3, "regenerated"),
    ]
    assert [v.text for v in history] == [
        DRAFT,
        "Second letter, shorter.",
        "Third letter, about the migration.",
    ]
    assert [v.instruction for v in history] == [None, "shorter", "mention the Shopify migration"]
    assert history[2].model == "gpt-fake-1" and history[2].actor == "rita"
    stored = load_proposal(sqlite_url, proposal_id)
    assert (stored.version, stored.draft_text) == (3, "Third letter, about the migration.")
    assert proposal.version == 3
    assert proposal_actions(sqlite_url, proposal_id) == ["queued", "regenerated", "regenerated"]


def test_instruction_and_previous_letter_reach_the_llm_after_the_job(
    llm: FakeOpenAI, sqlite_url: str, proposal_id: int
) -> None:
    llm.enqueue(Say("Second letter."), Say("Third letter."))
    _regenerate(sqlite_url, proposal_id, "shorter")
    _regenerate(sqlite_url, proposal_id, "mention the Shopify migration")

    first, second = (_user_message(body) for body in llm.bodies)
    assert "<<<REVIEWER\nshorter\nREVIEWER>>>" in first
    assert f"<<<PREVIOUS_DRAFT\n{DRAFT}\nPREVIOUS_DRAFT>>>" in first
    assert first.index("JOB_POSTING>>>") < first.index("<<<REVIEWER")
    assert "<<<REVIEWER\nmention the Shopify migration\nREVIEWER>>>" in second
    assert "<<<PREVIOUS_DRAFT\nSecond letter.\nPREVIOUS_DRAFT>>>" in second


def test_approved_proposal_goes_back_to_the_queue(
    llm: FakeOpenAI, sqlite_url: str, proposal_id: int
) -> None:
    with session_scope(sqlite_url) as session:
        approve(session=session, proposal_id=proposal_id, actor="rita")
    llm.enqueue(Say("A new letter."))
    proposal = _regenerate(sqlite_url, proposal_id, "warmer")
    assert proposal.status == ProposalStatus.QUEUED
    assert proposal_actions(sqlite_url, proposal_id)[-3:] == ["approved", "queued", "regenerated"]
    assert load_proposal(sqlite_url, proposal_id).final_text is None  # the new letter is shown


def test_sent_proposal_is_refused_and_nothing_is_written(
    llm: FakeOpenAI, sqlite_url: str, proposal_id: int
) -> None:
    with session_scope(sqlite_url) as session:
        approve(session=session, proposal_id=proposal_id, actor="rita")
        mark_sent(session=session, proposal_id=proposal_id, actor="rita", bid=500, connects=16)
    with pytest.raises(TransitionError, match="is sent; only a queued or approved draft"):
        _regenerate(sqlite_url, proposal_id, "shorter")
    assert _history(sqlite_url, proposal_id) == []
    assert llm.bodies == []


def test_a_saved_edit_is_kept_in_the_history(
    llm: FakeOpenAI, sqlite_url: str, proposal_id: int
) -> None:
    with session_scope(sqlite_url) as session:
        edit_text(session=session, proposal_id=proposal_id, text="My edited letter.", actor="rita")
    llm.enqueue(Say("Regenerated from the edit."))
    _regenerate(sqlite_url, proposal_id, "shorter")
    history = _history(sqlite_url, proposal_id)
    assert [(v.kind, v.text) for v in history] == [
        ("draft", DRAFT),
        ("edited", "My edited letter."),
        ("regenerated", "Regenerated from the edit."),
    ]
    assert "<<<PREVIOUS_DRAFT\nMy edited letter.\nPREVIOUS_DRAFT>>>" in _user_message(llm.bodies[0])


def test_content_checks_flag_the_new_letter(
    llm: FakeOpenAI, sqlite_url: str, proposal_id: int
) -> None:
    letter = "Happy to help. Email me at ana.dev@gmail.com and we can settle it on PayPal."
    llm.enqueue(Say(letter))
    proposal = _regenerate(sqlite_url, proposal_id, "more direct")
    with session_scope(sqlite_url) as session:
        job = get_job(session=session, job_id=proposal.job_id)
    expected = check_draft(DraftContent(letter=letter), job, AGENCY.bidders[0], AGENCY)
    assert expected, "the content rules should flag an email address"
    assert proposal.flags == expected
    assert _history(sqlite_url, proposal_id)[-1].flags == expected


def test_without_an_llm_the_offline_letter_comes_with_a_note(
    sqlite_url: str, proposal_id: int
) -> None:
    assert not Settings().llm_configured
    proposal = _regenerate(sqlite_url, proposal_id, "shorter")
    assert proposal.offline and proposal.model == "offline"
    assert "Shopify store speed-up" in proposal.draft_text  # the offline letter names the job
    (note,) = [flag for flag in proposal.flags if flag["check"] == "offline"]
    assert "no LLM is configured" in note["reason"] and "not applied" in note["reason"]
    assert proposal.version == 2


def test_llm_failure_falls_back_to_offline_and_says_why(
    llm: FakeOpenAI, sqlite_url: str, proposal_id: int
) -> None:
    llm.enqueue(Fail(400, "model overloaded"))
    proposal = _regenerate(sqlite_url, proposal_id, "shorter")
    (note,) = [flag for flag in proposal.flags if flag["check"] == "offline"]
    assert "the LLM failed" in note["reason"] and "model overloaded" in note["reason"]


def test_blank_instruction_is_refused(sqlite_url: str, proposal_id: int) -> None:
    with pytest.raises(TransitionError, match="instruction is required"):
        _regenerate(sqlite_url, proposal_id, "   ")
