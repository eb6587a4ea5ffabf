"""Client messages from the message rooms of the agency's proposals: who counts as the client,
what a reply carries, matching on a real database, paging, and reading nothing twice."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from connectors.feeds.upwork_api import UpworkApiSource
from connectors.feeds.upwork_nodes import JOB_URL
from connectors.inbox.base import MAX_BODY_CHARS, InboxItem
from connectors.inbox.upwork_messages import FILES_ONLY
from connectors.inbox.upwork_queries import iso
from tests.connectors.upwork.fake_server import FakeUpwork
from tests.connectors.upwork.inbox_nodes import (
    AGENCY_LEAD,
    AGENCY_ORG,
    CLIENT,
    COLLEAGUE,
    FREELANCER,
    FREELANCER_ORG,
    NOW,
    make_proposal,
    make_room,
    make_story,
)
from tests.connectors.upwork.inbox_support import (
    feed_jobs,
    inbox_source,
    poll,
    statuses_of,
    store_batch,
    store_sent_proposals,
)
from tests.connectors.upwork.nodes import make_node

MINUTE = timedelta(minutes=1)


def _room_with(fake: FakeUpwork, job: dict[str, Any], *stories: dict[str, Any]) -> str:
    """A proposal for ``job`` in interview, its room holding ``stories``; the room's id."""
    proposal = make_proposal(job, "Activated", changed=NOW - timedelta(hours=5))
    room = make_room(proposal)
    fake.inbox.proposals.append(proposal)
    fake.inbox.rooms.append(room)
    fake.inbox.stories[room["id"]] = list(stories)
    return str(room["id"])


def _stories_asked(fake: FakeUpwork) -> list[dict[str, Any]]:
    return [s.variables["filter"] for s in fake.requests("graphql") if "roomStories(" in s.query]


def test_the_clients_messages_become_replies_and_the_agencys_own_do_not(
    fake_upwork: FakeUpwork, connected: UpworkApiSource, bidflow_home: Path
) -> None:
    job = make_node()
    fake_upwork.publish(job)
    question = make_story("Could you start on Monday?", at=NOW - 50 * MINUTE)
    files = make_story(None, at=NOW - 10 * MINUTE)  # the client sent only a file
    _room_with(
        fake_upwork,
        job,
        make_story("Proposal submitted", at=NOW - 90 * MINUTE, user=None, organization=None),
        make_story("Hi Carla!", at=NOW - 60 * MINUTE, user=FREELANCER, organization=FREELANCER_ORG),
        question,
        make_story("Yes, Monday works.", at=NOW - 40 * MINUTE, user=AGENCY_LEAD),
        make_story(
            "Sharing our plan.", at=NOW - 30 * MINUTE, user=COLLEAGUE, organization=AGENCY_ORG
        ),
        files,
    )
    other = make_room(None)  # a chat that is no proposal's
    fake_upwork.inbox.rooms.append(other)
    fake_upwork.inbox.stories[other["id"]] = [make_story("Hello there", at=NOW - 5 * MINUTE)]

    batch = poll(inbox_source(fake_upwork, statuses=False), bidflow_home)

    def reply(story: dict[str, Any], body: str) -> InboxItem:
        return InboxItem(
            external_id=f"story:{story['id']}",
            kind="reply",
            body=body,
            sender=CLIENT["name"],
            received_at=NOW - (50 if story is question else 10) * MINUTE,
            job_id=job["ciphertext"],
            job_url=f"{JOB_URL}{job['ciphertext']}",
            client=CLIENT["name"],
            title=job["title"],
        )

    assert sorted(batch.items, key=lambda item: item.received_at) == [
        reply(question, "Could you start on Monday?"),
        reply(files, FILES_ONLY),
    ]
    assert batch.problems == []


def test_a_message_becomes_plain_text_of_at_most_max_body_chars(
    fake_upwork: FakeUpwork, connected: UpworkApiSource, bidflow_home: Path
) -> None:
    job = make_node()
    fake_upwork.publish(job)
    long_text = "<p>Terms &amp; timing:</p><p>" + "x" * (MAX_BODY_CHARS + 500) + "</p>"
    _room_with(fake_upwork, job, make_story(long_text, at=NOW - MINUTE))

    (item,) = poll(inbox_source(fake_upwork, statuses=False), bidflow_home).items

    assert item.body.startswith("Terms & timing:\n\nxxx")
    assert len(item.body) == MAX_BODY_CHARS


def test_a_reply_finds_its_sent_proposal_on_a_real_database_and_marks_it_replied(
    fake_upwork: FakeUpwork, connected: UpworkApiSource, bidflow_home: Path, sqlite_url: str
) -> None:
    # The same title on both: only the job's link or id can tell them apart.
    answered, quiet = make_node(title="Django API"), make_node(title="Django API")
    fake_upwork.publish(quiet, answered)
    sent = store_sent_proposals(sqlite_url, feed_jobs(connected, bidflow_home))
    _room_with(fake_upwork, answered, make_story("What is your rate?", at=NOW - MINUTE))
    _room_with(fake_upwork, quiet, make_story("Thanks!", at=NOW - MINUTE, user=FREELANCER))

    stored = store_batch(sqlite_url, poll(inbox_source(fake_upwork, statuses=False), bidflow_home))

    assert (stored.new, stored.matched, stored.unmatched) == (1, 1, [])
    ids = [sent[answered["ciphertext"]], sent[quiet["ciphertext"]]]
    assert statuses_of(sqlite_url, ids) == ["replied", "sent"]


def test_a_poll_with_the_cursor_reads_no_message_twice(
    fake_upwork: FakeUpwork, connected: UpworkApiSource, bidflow_home: Path
) -> None:
    job = make_node()
    fake_upwork.publish(job)
    room = _room_with(fake_upwork, job, make_story("First question", at=NOW - 5 * MINUTE))
    source = inbox_source(fake_upwork, statuses=False)
    first = poll(source, bidflow_home)
    asked_by_first = len(_stories_asked(fake_upwork))

    second = poll(source, bidflow_home, first.cursor, now=NOW + MINUTE)
    asked_by_second = len(_stories_asked(fake_upwork)) - asked_by_first
    newer = make_story("Second question", at=NOW + 2 * MINUTE)
    fake_upwork.inbox.stories[room].append(newer)
    third = poll(source, bidflow_home, second.cursor, now=NOW + 3 * MINUTE)

    assert [item.body for item in first.items] == ["First question"]
    assert second.items == []
    assert asked_by_second == 0  # the room had nothing newer: its stories were not asked for
    assert [item.external_id for item in third.items] == [f"story:{newer['id']}"]
    third_asked = _stories_asked(fake_upwork)[-1]
    assert third_asked["roomId_eq"] == room
    assert third_asked["storyFilter"]["storyCreatedDateTime_bt"]["rangeStart"] == iso(
        NOW - 5 * MINUTE
    )


def test_stories_are_paged_and_a_poll_stops_after_max_pages_saying_so(
    fake_upwork: FakeUpwork, connected: UpworkApiSource, bidflow_home: Path
) -> None:
    job = make_node()
    fake_upwork.publish(job)
    stories = [make_story(f"Question {n}", at=NOW - n * MINUTE) for n in range(1, 61)]
    room = _room_with(fake_upwork, job, *stories)

    everything = poll(inbox_source(fake_upwork, statuses=False), bidflow_home)
    capped = poll(inbox_source(fake_upwork, statuses=False, max_pages=1), bidflow_home)

    assert len({item.external_id for item in everything.items}) == 60
    assert everything.problems == []
    assert len(capped.items) == 50  # the newest page
    assert capped.problems == [
        f"up-inbox: room {room} has more than 1 pages of new messages; older ones were not"
        " read (raise max_pages)"
    ]
