"""The versions routes through HTTP: regenerate with an instruction (CSRF-protected), and the
history fragment (autoescaped)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bidflow.config import Role
from bidflow.db import session_scope
from bidflow.settings import Settings
from bidflow.store.proposals import approve, mark_sent
from bidflow.store.versions import list_versions
from tests.connectors.fake_openai import FakeOpenAI, Say, fake_openai
from tests.factories import make_job, write_config
from tests.web.desk import DeskClient, add_users
from tests.web.seed import DRAFT, add_bidder, load_proposal, queue_drafts
from web.app import create_app

__all__ = ["fake_openai"]  # the fixture, used by name

HOSTILE = "<script>alert(1)</script> shorter"


@pytest.fixture
def desk(
    sqlite_url: str, tmp_path: Path, fake_openai: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> Iterator[DeskClient]:
    """The review desk with the test agency config and the fake OpenAI server as its LLM."""
    monkeypatch.setenv("BIDFLOW_OPENAI_BASE_URL", fake_openai.base_url)
    settings = Settings(database_url=sqlite_url, config=write_config(tmp_path / "config"))
    add_users(sqlite_url)
    with DeskClient(create_app(settings)) as client:
        client.sign_in(Role.SALES_LEAD)
        yield client


@pytest.fixture
def proposal_id(sqlite_url: str) -> int:
    with session_scope(sqlite_url) as session:
        bidder = add_bidder(session, name="Ana")
        (queued,) = queue_drafts(session, bidder=bidder, jobs=[make_job(title="Shopify speed-up")])
    return queued


def _versions(url: str, proposal_id: int) -> list[tuple[int, str]]:
    with session_scope(url) as session:
        return [
            (v.version, v.text) for v in list_versions(session=session, proposal_id=proposal_id)
        ]


def test_regenerate_writes_a_new_version_and_redirects_to_the_card(
    desk: DeskClient, fake_openai: FakeOpenAI, sqlite_url: str, proposal_id: int
) -> None:
    fake_openai.enqueue(Say("A shorter letter."))
    answer = desk.submit(f"/proposals/{proposal_id}/regenerate", instruction="shorter")
    assert answer.status_code == 303
    assert answer.headers["location"].endswith(f"/queue#proposal-{proposal_id}")
    assert _versions(sqlite_url, proposal_id) == [(1, DRAFT), (2, "A shorter letter.")]
    assert "<<<REVIEWER\nshorter\nREVIEWER>>>" in fake_openai.bodies[0]["messages"][1]["content"]


def test_htmx_regenerate_answers_with_the_new_card(
    desk: DeskClient, fake_openai: FakeOpenAI, proposal_id: int
) -> None:
    fake_openai.enqueue(Say("A warmer letter."))
    answer = desk.submit(f"/proposals/{proposal_id}/regenerate", htmx=True, instruction="warmer")
    assert answer.status_code == 200
    assert f'id="proposal-{proposal_id}"' in answer.text and "A warmer letter." in answer.text
    assert answer.headers["HX-Trigger"] == "queue-changed"


def test_regenerate_without_the_csrf_token_is_refused(
    desk: DeskClient, fake_openai: FakeOpenAI, sqlite_url: str, proposal_id: int
) -> None:
    answer = desk.post(f"/proposals/{proposal_id}/regenerate", data={"instruction": "shorter"})
    assert answer.status_code == 403
    assert fake_openai.bodies == [] and _versions(sqlite_url, proposal_id) == []


def test_blank_instruction_is_a_form_error(desk: DeskClient, proposal_id: int) -> None:
    answer = desk.submit(f"/proposals/{proposal_id}/regenerate", instruction="  ")
    assert answer.status_code == 422 and "instruction is required" in answer.text


def test_sent_proposal_cannot_be_regenerated(
    desk: DeskClient, sqlite_url: str, proposal_id: int
) -> None:
    with session_scope(sqlite_url) as session:
        approve(session=session, proposal_id=proposal_id, actor="rita")
        mark_sent(session=session, proposal_id=proposal_id, actor="rita", bid=None, connects=None)
    answer = desk.submit(f"/proposals/{proposal_id}/regenerate", instruction="shorter")
    assert answer.status_code == 409 and "only a queued or approved draft" in answer.text
    assert load_proposal(sqlite_url, proposal_id).version == 1


def test_history_fragment_lists_versions_escaped(
    desk: DeskClient, fake_openai: FakeOpenAI, proposal_id: int
) -> None:
    fake_openai.enqueue(Say("Letter <b>two</b>."))
    desk.submit(f"/proposals/{proposal_id}/regenerate", instruction=HOSTILE)
    page = desk.get(f"/proposals/{proposal_id}/versions")
    assert page.status_code == 200
    assert page.text.count('class="version ') == 2
    assert (
        "<script>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt; shorter" in page.text
    )
    assert "Letter &lt;b&gt;two&lt;/b&gt;." in page.text
    assert 'data-version="2"' in page.text and "(current)" in page.text


def test_history_of_an_unknown_proposal_is_404(desk: DeskClient) -> None:
    assert desk.get("/proposals/999/versions").status_code == 404
