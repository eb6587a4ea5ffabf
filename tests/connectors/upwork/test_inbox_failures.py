"""When reading the Upwork inbox goes wrong: an expired token (refreshed with the feed's token
file), a permission the API key lacks, a node that cannot be read, an error from Upwork; and
the promise that the inbox only ever asks, never changes anything."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from bidflow.errors import FeedError
from connectors.feeds.upwork_api import UpworkApiSource
from connectors.feeds.upwork_auth import AccessTokens, TokenStore
from connectors.feeds.upwork_graphql import UpworkGraphQL
from connectors.inbox.upwork import COMMON_SCOPE, JOBS_SCOPE, MESSAGES_SCOPE, PROPOSALS_SCOPE
from tests.connectors.upwork.fake_server import FakeUpwork, GraphQLErrors
from tests.connectors.upwork.inbox_nodes import NOW, make_proposal, make_room, make_story
from tests.connectors.upwork.inbox_support import inbox_source, poll
from tests.connectors.upwork.nodes import make_node, make_nodes


def _busy_inbox(fake: FakeUpwork) -> None:
    """Two jobs: one declined, one in interview with a client's question in its room."""
    declined, interview = make_nodes(2)
    fake.publish(declined, interview)
    proposal = make_proposal(interview, "Activated", changed=NOW - timedelta(hours=2))
    room = make_room(proposal)
    fake.inbox.proposals = [
        make_proposal(declined, "Declined", changed=NOW - timedelta(hours=1)),
        proposal,
    ]
    fake.inbox.rooms = [room]
    fake.inbox.stories = {
        room["id"]: [make_story("When can we talk?", at=NOW - timedelta(minutes=5))]
    }


def _saved_tokens(home: Path) -> dict[str, str]:
    data: dict[str, str] = json.loads(TokenStore(home, "up").path.read_text())
    return data


def test_an_expired_token_is_refreshed_once_in_the_feeds_token_file(
    fake_upwork: FakeUpwork, connected: UpworkApiSource, bidflow_home: Path
) -> None:
    _busy_inbox(fake_upwork)
    before = _saved_tokens(bidflow_home)
    fake_upwork.expire_access_tokens()
    source = inbox_source(fake_upwork)

    first = poll(source, bidflow_home)
    after = _saved_tokens(bidflow_home)
    poll(source, bidflow_home, first.cursor)  # the saved token serves the next poll as is

    assert len(first.items) == 3
    assert [r.form["refresh_token"] for r in fake_upwork.refreshes()] == [before["refresh_token"]]
    assert after["access_token"] != before["access_token"]
    bearers = [(r.bearer, r.status) for r in fake_upwork.requests("graphql")]
    assert bearers[0] == (before["access_token"], 401)
    assert set(bearers[1:]) == {(after["access_token"], 200)}


@pytest.mark.parametrize(
    ("blocked", "scope"),
    [
        ("Query.vendorProposals", PROPOSALS_SCOPE),
        ("Query.roomList", MESSAGES_SCOPE),
        ("Query.marketplaceJobPostingsContents", JOBS_SCOPE),
        ("PageInfo.hasNextPage", COMMON_SCOPE),
    ],
)
def test_a_missing_permission_names_the_one_to_grant_and_the_feed(
    fake_upwork: FakeUpwork,
    connected: UpworkApiSource,
    bidflow_home: Path,
    blocked: str,
    scope: str,
) -> None:
    _busy_inbox(fake_upwork)
    fake_upwork.inbox.denied = {blocked}

    with pytest.raises(FeedError) as error:
        poll(inbox_source(fake_upwork), bidflow_home)

    assert str(error.value) == (
        f"up-inbox: Upwork refused {blocked}: the API key of feed 'up' lacks the permission \""
        f'{scope}". Grant it to the key at https://www.upwork.com/developer/keys/, then run'
        " `bidflow connect upwork --feed up` (a token carries only the permissions the key had"
        " when it was issued)"
    )


def test_a_node_that_cannot_be_read_is_a_problem_line_and_the_rest_is_read(
    fake_upwork: FakeUpwork, connected: UpworkApiSource, bidflow_home: Path
) -> None:
    _busy_inbox(fake_upwork)
    extra = make_node()
    fake_upwork.publish(extra)
    broken = make_proposal(extra, "Declined", changed=NOW - timedelta(minutes=30))
    broken["id"] = None
    fake_upwork.inbox.proposals.append(broken)
    room = fake_upwork.inbox.rooms[0]["id"]
    garbled = make_story("Are you there?", at=NOW - timedelta(minutes=2))
    fake_upwork.inbox.stories[room].append(garbled)
    garbled["createdDateTime"] = "next Tuesday-ish"

    batch = poll(inbox_source(fake_upwork), bidflow_home)

    assert sorted(item.kind for item in batch.items) == ["declined", "interviewing", "reply"]
    assert batch.problems == [
        "up-inbox: 'Declined' proposals page 1 #1: proposal has no id; skipped",
        f"up-inbox: room {room} page 1 #1: story {garbled['id']}: createdDateTime"
        " 'next Tuesday-ish' is not a date; skipped",
    ]


def test_an_error_from_upwork_fails_the_poll_with_its_message(
    fake_upwork: FakeUpwork, connected: UpworkApiSource, bidflow_home: Path
) -> None:
    fake_upwork.script(GraphQLErrors(("Transform timeout",)))

    with pytest.raises(FeedError) as error:
        poll(inbox_source(fake_upwork), bidflow_home)

    assert str(error.value) == "up-inbox: Upwork API error: Transform timeout"


def test_the_inbox_only_ever_sends_queries(
    fake_upwork: FakeUpwork, connected: UpworkApiSource, bidflow_home: Path
) -> None:
    _busy_inbox(fake_upwork)
    assert fake_upwork.server is not None
    already = len(fake_upwork.server.requests)

    batch = poll(inbox_source(fake_upwork), bidflow_home)

    bodies = [json.loads(r.body) for r in fake_upwork.server.requests[already:]]
    parts = ("vendorProposals", "roomList", "roomStories")
    roots = {root for body in bodies for root in parts if f"{root}(" in body["query"]}
    assert len(batch.items) == 3
    assert roots == {"vendorProposals", "roomList", "roomStories"}  # every part was read
    assert [b["query"] for b in bodies if "mutation" in b["query"].lower()] == []
    assert all(b["query"].lstrip().startswith("query ") for b in bodies)


def test_a_mutation_is_refused_before_it_is_sent(
    fake_upwork: FakeUpwork, connected: UpworkApiSource, bidflow_home: Path
) -> None:
    with httpx.Client() as http:
        tokens = AccessTokens(TokenStore(bidflow_home, "up"), connected.endpoint.oauth, http)
        graphql = UpworkGraphQL("up-inbox", fake_upwork.api_url, tokens)
        with pytest.raises(ValueError, match="only reads from Upwork"):
            graphql.data(
                "mutation send($input: RoomStoryCreateInputV2!) { createRoomStoryV2(input:"
                " $input) { id } }",
                {"input": {"roomId": "room_1", "message": "Hi"}},
            )

    assert fake_upwork.requests("graphql") == []
