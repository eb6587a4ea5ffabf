"""The inbox side of the fake Upwork: who the token belongs to (``user``, ``organization``),
the agency's proposals (``vendorProposals``), their message rooms (``roomList``,
``roomStories``) and job ciphertexts (``marketplaceJobPostingsContents``).

Modelled on Upwork's schema: ``vendorProposals`` filters on exactly one ``status_eq``, sorts
by CREATEDDATETIME or MODIFIEDDATETIME and refuses pages over 40 (error VJCA-6); audit times
are DateTime objects whose ``rawValue`` is epoch milliseconds; ``roomList`` filters on
``activeSince_eq``; ``roomStories`` on a room and a creation time range, newest first. A
field the API key lacks permission for fails the request as Upwork does: HTTP 200 with an
``ExecutionAborted`` error listing the blocked fields. Arguments are read from variables, as
bidflow sends them.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from connectors.feeds.parsing import parse_datetime

ROOTS = ("vendorProposals", "roomList", "roomStories", "marketplaceJobPostingsContents")
_VIEWER = re.compile(r"\{\s*user\s*\{")
_NAME = re.compile(r"[A-Za-z_]\w*")
MAX_PROPOSALS_PAGE = 40


def permission_error(fields: list[str]) -> dict[str, Any]:
    message = (
        "The client or authentication token doesn't have enough oauth2 permissions/scopes to"
        f" access: [{', '.join(fields)}]."
    )
    return {
        "data": None,
        "errors": [{"message": message, "extensions": {"classification": "ExecutionAborted"}}],
    }


@dataclass
class FakeInbox:
    """What the inbox queries read. ``jobs`` is the fake's published search nodes (the jobs
    that exist at Upwork); ``denied`` the fields the API key has no permission for."""

    jobs: list[dict[str, Any]]
    user: dict[str, Any] = field(default_factory=lambda: {"id": "1017", "name": "Ana Lead"})
    organization: dict[str, Any] = field(default_factory=lambda: {"id": "7001"})
    proposals: list[dict[str, Any]] = field(default_factory=list)
    rooms: list[dict[str, Any]] = field(default_factory=list)
    stories: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # room id -> stories
    denied: set[str] = field(default_factory=set)

    def answer(self, query: str, variables: dict[str, Any]) -> dict[str, Any] | None:
        """The payload for an inbox query; None when the query is not one (a job search)."""
        root = next((name for name in ROOTS if re.search(rf"\b{name}\s*\(", query)), None)
        if root is None and not _VIEWER.search(query):
            return None
        refused = sorted(f for f in self.denied if _asks_for(query, f))
        if refused:
            return permission_error(refused)
        asked = set(_NAME.findall(query))
        if root is None:
            viewer = {"user": self.user, "organization": self.organization}
            return {"data": _project(viewer, asked)}
        args = _arguments(query, root, variables)
        try:
            found: Any = getattr(self, f"_{root}")(args)
        except ValueError as exc:
            return {"data": None, "errors": [{"message": str(exc)}]}
        return {"data": {root: _project(found, asked)}}

    # -- the queries ------------------------------------------------------------------------

    def _vendorProposals(self, args: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        status = (args.get("filter") or {}).get("status_eq")
        sort = args.get("sortAttribute") or {}
        page = args.get("pagination") or {}
        if not status or sort.get("field") not in ("CREATEDDATETIME", "MODIFIEDDATETIME"):
            raise ValueError("VJCA-6 Input parameter provided has incorrect value")
        if int(page.get("first", 10)) > MAX_PROPOSALS_PAGE:
            raise ValueError("VJCA-6 Input parameter provided has incorrect value")
        stamp = "createdDateTime" if sort["field"] == "CREATEDDATETIME" else "modifiedDateTime"
        found = [p for p in self.proposals if _status_of(p) == status]
        found.sort(key=lambda p: int(p["auditDetails"][stamp]["rawValue"]))
        if sort.get("sortOrder", "DESC") == "DESC":
            found.reverse()
        return _connection(found, page, cursor_edges=True)

    def _roomList(self, args: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        since = parse_datetime((args.get("filter") or {}).get("activeSince_eq"))
        rooms = [self._room(room) for room in self.rooms]
        active = [r for r in rooms if since is None or _latest(r) > since]
        active.sort(key=_latest, reverse=args.get("sortOrder", "DESC") == "DESC")
        return _connection(active, args.get("pagination") or {}, cursor_edges=False)

    def _roomStories(self, args: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        room_filter = args.get("filter") or {}
        story_filter = room_filter.get("storyFilter") or {}
        between = story_filter.get("storyCreatedDateTime_bt") or {}
        start, end = (
            parse_datetime(between.get("rangeStart")),
            parse_datetime(between.get("rangeEnd")),
        )
        stories = sorted(
            self.stories.get(str(room_filter.get("roomId_eq")), []), key=_created, reverse=True
        )
        found = [
            s
            for s in stories
            if (start is None or _created(s) >= start) and (end is None or _created(s) <= end)
        ]
        return _connection(found, story_filter.get("pagination") or {}, cursor_edges=True)

    def _marketplaceJobPostingsContents(  # noqa: N802
        self, args: dict[str, Any]
    ) -> list[dict[str, Any]]:
        wanted = {str(i) for i in args.get("ids") or []}
        return [
            {"id": job["id"], "ciphertext": job["ciphertext"], "title": job["title"]}
            for job in self.jobs
            if job.get("id") in wanted
        ]

    def _room(self, room: dict[str, Any]) -> dict[str, Any]:
        stories = self.stories.get(room["id"], [])
        latest = max(stories, key=_created, default=None)
        return room | {"latestStory": latest}


def _status_of(proposal: dict[str, Any]) -> str:
    return str((proposal.get("status") or {}).get("status"))


def _created(story: dict[str, Any]) -> datetime:
    """When a story was posted: its createdDateTime, or updatedDateTime when a test garbled
    that (the fake still orders and filters the story by its real time)."""
    moment = parse_datetime(story.get("createdDateTime")) or parse_datetime(
        story.get("updatedDateTime")
    )
    assert moment is not None, story
    return moment


def _latest(room: dict[str, Any]) -> datetime:
    return (
        _created(room["latestStory"])
        if room.get("latestStory")
        else datetime.min.replace(tzinfo=UTC)
    )


def _connection(
    nodes: list[dict[str, Any]], page: dict[str, Any], *, cursor_edges: bool
) -> dict[str, Any]:
    keys = [_cursor(node) for node in nodes]
    after, first = page.get("after"), int(page.get("first", 10))
    start = keys.index(after) + 1 if after in keys else 0
    shown = nodes[start : start + first]
    edges = [{"cursor": _cursor(n), "node": n} if cursor_edges else {"node": n} for n in shown]
    info = {
        "endCursor": _cursor(shown[-1]) if shown else None,
        "hasNextPage": start + first < len(nodes),
    }
    return {"totalCount": len(nodes), "edges": edges, "pageInfo": info}


def _cursor(node: dict[str, Any]) -> str:
    return base64.b64encode(str(node.get("id")).encode()).decode()


def _arguments(query: str, root: str, variables: dict[str, Any]) -> dict[str, Any]:
    """The root field's arguments, each given as ``name: $variable``."""
    found = re.search(rf"\b{root}\s*\(([^)]*)\)", query)
    pairs = re.findall(r"(\w+)\s*:\s*\$(\w+)", found[1]) if found else []
    return {name: variables.get(variable) for name, variable in pairs}


def _asks_for(query: str, blocked: str) -> bool:
    """Whether ``query`` selects ``blocked`` ("Query.roomList" or a type's field name)."""
    return bool(re.search(rf"\b{blocked.split('.')[-1]}\b", query))


def _project(value: Any, asked: set[str]) -> Any:
    """Only the fields the query names, as a GraphQL server returns them."""
    if isinstance(value, dict):
        return {k: _project(v, asked) for k, v in value.items() if k in asked}
    if isinstance(value, list):
        return [_project(item, asked) for item in value]
    return value
