"""Storing inbox items from several sources: the same reply reported by an email notification
(often an excerpt) and by the API is one message; a job title alone matches only when exactly
one sent proposal has it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from bidflow.db import session_scope
from bidflow.models import Message, Proposal
from connectors.inbox.base import InboxItem
from connectors.inbox.storing import StoredMessages, store_items
from tests.factories import make_job
from tests.web.seed import add_bidder, sent_proposal

SENT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
FULL = (
    "Thanks for the proposal! Could you walk me through how you would migrate the booking"
    " data without downtime? We have about 2 million rows."
)


def _reply(external_id: str, body: str, *, minutes: int = 0, **where: str) -> InboxItem:
    return InboxItem(
        external_id=external_id,
        kind="reply",
        body=body,
        sender="Dana",
        received_at=SENT + timedelta(hours=3, minutes=minutes),
        job_url=where.get("job_url", "https://www.upwork.com/jobs/~01booking"),
        title=where.get("title"),
    )


def _seed(session: Session, *titles: str) -> list[int]:
    bidder = add_bidder(session)
    ids = []
    for number, title in enumerate(titles or ("Booking API",)):
        job = make_job(
            url=f"https://www.upwork.com/jobs/~01{'booking' if number == 0 else number}",
            external_id=f"~01{number}",
            title=title,
            description=f"Posting number {number}",
        )
        ids.append(sent_proposal(session, bidder, job, SENT))
    return ids


def _store(url: str, source: str, *items: InboxItem) -> StoredMessages:
    with session_scope(url) as session:
        return store_items(session=session, source=source, items=items)


def _messages(url: str) -> list[Message]:
    with session_scope(url) as session:
        return list(session.exec(select(Message).order_by(col(Message.id))).all())


def test_an_email_excerpt_then_the_api_full_text_is_one_message_with_the_full_text(
    sqlite_url: str,
) -> None:
    with session_scope(sqlite_url) as session:
        _seed(session)
    excerpt = FULL[:70].rstrip() + "…"

    first = _store(sqlite_url, "inbox:mail", _reply("<m1@upwork>", excerpt))
    second = _store(sqlite_url, "inbox:api", _reply("story:9", FULL, minutes=4))

    assert (first.new, second.new, second.duplicates) == (1, 0, 1)
    [message] = _messages(sqlite_url)
    assert message.source == "inbox:mail"
    assert message.body == FULL


def test_the_api_first_then_the_email_excerpt_keeps_the_full_text(sqlite_url: str) -> None:
    with session_scope(sqlite_url) as session:
        _seed(session)

    _store(sqlite_url, "inbox:api", _reply("story:9", FULL))
    second = _store(sqlite_url, "inbox:mail", _reply("<m1@upwork>", FULL[:40] + "...", minutes=9))

    assert second.duplicates == 1
    assert [m.body for m in _messages(sqlite_url)] == [FULL]


def test_different_words_or_a_later_day_or_the_same_source_are_separate_messages(
    sqlite_url: str,
) -> None:
    with session_scope(sqlite_url) as session:
        _seed(session)

    _store(sqlite_url, "inbox:api", _reply("story:1", FULL))
    _store(sqlite_url, "inbox:mail", _reply("<m2@upwork>", "When can you start?", minutes=5))
    _store(sqlite_url, "inbox:mail", _reply("<m3@upwork>", FULL, minutes=60 * 24))
    _store(sqlite_url, "inbox:api", _reply("story:2", FULL, minutes=1))

    assert [m.external_id for m in _messages(sqlite_url)] == [
        "story:1",
        "<m2@upwork>",
        "<m3@upwork>",
        "story:2",
    ]


def test_a_short_excerpt_does_not_stand_for_a_longer_message(sqlite_url: str) -> None:
    with session_scope(sqlite_url) as session:
        _seed(session)

    _store(
        sqlite_url, "inbox:api", _reply("story:1", "Thanks, that sounds great. When can we meet?")
    )
    stored = _store(sqlite_url, "inbox:mail", _reply("<m1@upwork>", "Thanks…", minutes=2))

    assert stored.new == 1  # "Thanks" could start many messages: too short to be sure


def test_a_title_alone_matches_only_a_unique_sent_proposal(sqlite_url: str) -> None:
    with session_scope(sqlite_url) as session:
        unique, *_ = _seed(session, "Booking API", "Shopify theme", "Shopify theme")

    stored = _store(
        sqlite_url,
        "inbox:mail",
        _reply("<a@upwork>", "Hi", job_url="", title="Booking API"),
        _reply("<b@upwork>", "Hello", job_url="", title="Shopify theme"),
    )

    assert (stored.matched, stored.unmatched) == (1, ["<b@upwork>"])
    with session_scope(sqlite_url) as session:
        matched = session.exec(select(Message).where(Message.external_id == "<a@upwork>")).one()
        assert matched.proposal_id == unique
        assert session.get(Proposal, unique).status == "replied"  # type: ignore[union-attr]
