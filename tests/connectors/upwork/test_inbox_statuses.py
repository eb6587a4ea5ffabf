"""Proposal statuses from the Upwork API: which become items, how they name their job, how they
find and move the sent proposal, paging, and the cursor that keeps a poll from re-reading."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from connectors.feeds.upwork_api import UpworkApiSource
from connectors.feeds.upwork_nodes import JOB_URL
from connectors.inbox.base import InboxItem
from tests.connectors.upwork.fake_server import FakeUpwork
from tests.connectors.upwork.inbox_nodes import NOW, date_time, make_proposal
from tests.connectors.upwork.inbox_support import (
    feed_jobs,
    inbox_source,
    poll,
    statuses_of,
    store_batch,
    store_sent_proposals,
)
from tests.connectors.upwork.nodes import make_nodes

SAME_TITLE = "Django REST API for a clinic booking app"


def _asked_for(fake: FakeUpwork, status: str) -> int:
    """How many vendorProposals pages were asked for ``status``."""
    return sum(
        1
        for seen in fake.requests("graphql")
        if "vendorProposals(" in seen.query
        and seen.variables.get("filter", {}).get("status_eq") == status
    )


def test_each_status_with_news_is_one_item_naming_the_job_as_the_feed_stores_it(
    fake_upwork: FakeUpwork, connected: UpworkApiSource, bidflow_home: Path
) -> None:
    jobs = make_nodes(6)
    fake_upwork.publish(*jobs)
    hour = timedelta(hours=1)
    fake_upwork.inbox.proposals = [
        make_proposal(jobs[0], "Activated", changed=NOW - 1 * hour),
        make_proposal(jobs[1], "Offered", changed=NOW - 2 * hour),
        make_proposal(jobs[2], "Declined", changed=NOW - 3 * hour, reason="Job was filled"),
        make_proposal(jobs[3], "Accepted", changed=NOW - 4 * hour, viewed=True),
        make_proposal(jobs[4], "Accepted", changed=NOW - 5 * hour),  # not viewed yet
        make_proposal(jobs[5], "Pending", changed=NOW - 6 * hour),
    ]
    ids = [p["id"] for p in fake_upwork.inbox.proposals]

    batch = poll(inbox_source(fake_upwork, messages=False), bidflow_home)

    def expected(index: int, kind: str, body: str, hours: int | None) -> InboxItem:
        job = jobs[index]
        return InboxItem(
            external_id=f"proposal:{ids[index]}:{kind}",
            kind=kind,
            body=body,
            sender=None,
            received_at=NOW - hours * hour if hours else NOW,
            job_id=job["ciphertext"],
            job_url=f"{JOB_URL}{job['ciphertext']}",
            title=job["title"],
        )

    assert sorted(batch.items, key=lambda item: item.external_id) == sorted(
        [
            expected(0, "interviewing", "Upwork: proposal Activated", 1),
            expected(1, "offer", "Upwork: proposal Offered", 2),
            expected(2, "declined", "Upwork: proposal Declined (Job was filled)", 3),
            expected(3, "viewed", "Upwork: the client viewed it", None),
        ],
        key=lambda item: item.external_id,
    )
    assert batch.problems == []
    assert batch.source == "up-inbox"


def test_statuses_find_the_sent_proposals_on_a_real_database_and_move_them_on(
    fake_upwork: FakeUpwork, connected: UpworkApiSource, bidflow_home: Path, sqlite_url: str
) -> None:
    jobs = make_nodes(5, title=SAME_TITLE)  # only the job's link or id can tell them apart
    fake_upwork.publish(*jobs)
    sent = store_sent_proposals(sqlite_url, feed_jobs(connected, bidflow_home))
    changed = NOW - timedelta(hours=1)
    fake_upwork.inbox.proposals = [
        make_proposal(jobs[0], "Activated", changed=changed),
        make_proposal(jobs[1], "Declined", changed=changed),
        make_proposal(jobs[2], "Archived", changed=changed),
        make_proposal(jobs[3], "Accepted", changed=changed, viewed=True),
        make_proposal(jobs[4], "Hired", changed=changed),
    ]
    batch = poll(inbox_source(fake_upwork, messages=False), bidflow_home)

    stored = store_batch(sqlite_url, batch)
    again = store_batch(sqlite_url, batch)

    assert (stored.new, stored.matched, stored.unmatched) == (5, 5, [])
    assert (again.new, again.duplicates) == (0, 5)
    in_job_order = [sent[job["ciphertext"]] for job in jobs]
    assert statuses_of(sqlite_url, in_job_order) == [
        "interviewing",
        "declined",
        "job_closed",
        "viewed",
        "hired",
    ]


def test_a_second_poll_reads_only_what_changed_since_the_first(
    fake_upwork: FakeUpwork, connected: UpworkApiSource, bidflow_home: Path
) -> None:
    jobs = make_nodes(3)
    fake_upwork.publish(*jobs)
    interview = make_proposal(jobs[0], "Activated", changed=NOW - timedelta(hours=3))
    fake_upwork.inbox.proposals = [
        interview,
        make_proposal(jobs[1], "Declined", changed=NOW - timedelta(hours=2)),
        make_proposal(jobs[2], "Accepted", changed=NOW - timedelta(hours=1), viewed=True),
    ]
    source = inbox_source(fake_upwork, messages=False)
    first = poll(source, bidflow_home)

    second = poll(source, bidflow_home, first.cursor, now=NOW + timedelta(minutes=1))
    # The client makes an offer on the interview: the same proposal, a new status.
    later = NOW + timedelta(minutes=2)
    interview["status"] = {"status": "Offered", "reason": None}
    interview["auditDetails"]["modifiedDateTime"] = date_time(later)
    third = poll(source, bidflow_home, second.cursor, now=NOW + timedelta(minutes=3))

    assert len(first.items) == 3
    assert second.items == []
    assert [(i.external_id, i.kind, i.received_at) for i in third.items] == [
        (f"proposal:{interview['id']}:offer", "offer", later)
    ]
    assert _asked_for(fake_upwork, "Offered") == 3  # one page a poll: it stops at old ones


def test_proposals_are_paged_and_a_poll_stops_after_max_pages_saying_so(
    fake_upwork: FakeUpwork, connected: UpworkApiSource, bidflow_home: Path
) -> None:
    jobs = make_nodes(45)
    fake_upwork.publish(*jobs)
    fake_upwork.inbox.proposals = [
        make_proposal(job, "Declined", changed=NOW - timedelta(minutes=i))
        for i, job in enumerate(jobs, start=1)
    ]

    everything = poll(inbox_source(fake_upwork, messages=False), bidflow_home)
    pages_for_all = _asked_for(fake_upwork, "Declined")
    capped = poll(inbox_source(fake_upwork, messages=False, max_pages=1), bidflow_home)

    assert len({item.external_id for item in everything.items}) == 45
    assert pages_for_all == 2  # 40 a page, Upwork's most
    assert everything.problems == []
    assert len(capped.items) == 40
    assert capped.problems == [
        "up-inbox: more than 1 pages of 'Declined' proposals changed since the last poll;"
        " older changes were not read (raise max_pages or poll more often)"
    ]


def test_a_first_poll_leaves_old_history_alone(
    fake_upwork: FakeUpwork, connected: UpworkApiSource, bidflow_home: Path
) -> None:
    jobs = make_nodes(2)
    fake_upwork.publish(*jobs)
    fake_upwork.inbox.proposals = [
        make_proposal(jobs[0], "Declined", changed=NOW - timedelta(days=29)),
        make_proposal(jobs[1], "Declined", changed=NOW - timedelta(days=31)),
        make_proposal(jobs[1], "Accepted", changed=NOW - timedelta(days=4), viewed=True),
    ]

    batch = poll(inbox_source(fake_upwork, messages=False), bidflow_home)

    assert [item.external_id for item in batch.items] == [
        f"proposal:{fake_upwork.inbox.proposals[0]['id']}:declined"
    ]


def test_statuses_switched_off_are_not_asked_for_and_keep_their_cursor(
    fake_upwork: FakeUpwork, connected: UpworkApiSource, bidflow_home: Path
) -> None:
    kept = {"changed": {"Declined": "2030-04-30T10:00:00.000Z"}, "views": {}}

    batch = poll(
        inbox_source(fake_upwork, statuses=False, messages=False),
        bidflow_home,
        {"statuses": kept},
    )

    assert [s for s in fake_upwork.requests("graphql") if "vendorProposals" in s.query] == []
    assert batch.cursor == {"statuses": kept}
