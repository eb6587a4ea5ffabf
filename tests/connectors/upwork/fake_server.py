"""A fake Upwork: the OAuth2 token endpoint, the GraphQL job search and the inbox queries
(``fake_inbox``), on a real HTTP server on 127.0.0.1. Reusable by any test that needs Upwork
(feeds, inbox, scale-out).

Tokens behave as Upwork's do: access tokens expire, and every refresh token works exactly once
(rotation). Searches page with opaque cursors over a newest-first list of job nodes the test
publishes; only the fields the query asks for are returned. Failures (429, 5xx, GraphQL
errors) are scripted per request, and every request is recorded with its arrival time.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import pytest

from tests.connectors.servers import LocalServer, Reply, Request, serve
from tests.connectors.upwork.fake_inbox import FakeInbox

_FILTER_VARIABLE = re.compile(r"marketPlaceJobFilter\s*:\s*\$(\w+)")
_NAME = re.compile(r"[A-Za-z_]\w*")


@dataclass(frozen=True)
class Fail:
    """Answer the next GraphQL request with this HTTP status (and Retry-After, if given)."""

    status: int
    retry_after: str | None = None


@dataclass(frozen=True)
class GraphQLErrors:
    """Answer the next GraphQL request with 200 and these messages in ``errors``."""

    messages: tuple[str, ...]


@dataclass(frozen=True)
class Seen:
    """One request the fake received: arrival (``time.monotonic()``), endpoint ("token",
    "graphql" or the path), the Bearer token, headers (lower-case names), the form or the
    GraphQL query and variables, and the status it was answered with."""

    at: float
    endpoint: str
    bearer: str | None
    headers: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)
    query: str = ""
    status: int = 200


class FakeUpwork:
    """Upwork's API as far as bidflow uses it. Point a feed at ``api_url`` and ``token_url``."""

    client_id = "fake-client-id"
    client_secret = "fake-client-secret"
    redirect_uri = "https://localhost/callback"

    def __init__(self) -> None:
        self.jobs: list[dict[str, Any]] = []  # newest first
        self.inbox = FakeInbox(self.jobs)  # proposals, rooms and stories
        self.access_ttl_s = 86_400  # expires_in of the access tokens it issues
        self.token_delay_s = 0.0  # how long the token endpoint takes to answer
        self.on_graphql: Callable[[str | None], None] | None = None  # called before answering
        self.seen: list[Seen] = []
        self._codes: set[str] = set()
        self._access: dict[str, float] = {}  # token -> monotonic expiry
        self._refresh: set[str] = set()
        self._script: deque[Fail | GraphQLErrors] = deque()
        self._lock = threading.Lock()
        self.server: LocalServer | None = None

    # -- what tests set up ------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        return self._url("/graphql")

    @property
    def token_url(self) -> str:
        return self._url("/api/v3/oauth2/token")

    @property
    def authorize_url(self) -> str:
        return self._url("/ab/account-security/oauth2/authorize")

    def issue_code(self) -> str:
        """An authorization code, as Upwork hands one to the person who approves access."""
        code = f"code-{secrets.token_hex(6)}"
        with self._lock:
            self._codes.add(code)
        return code

    def publish(self, *nodes: dict[str, Any]) -> None:
        """New jobs, newest first, posted after everything published before."""
        with self._lock:
            self.jobs[:0] = nodes

    def script(self, *behaviours: Fail | GraphQLErrors) -> None:
        """Answer the next GraphQL requests with these, in order, then normally."""
        with self._lock:
            self._script.extend(behaviours)

    def expire_access_tokens(self) -> None:
        """Every access token issued so far is refused from now on (401)."""
        with self._lock:
            self._access.clear()

    def revoke(self) -> None:
        """The person revoked bidflow's access: every token issued so far is dead."""
        with self._lock:
            self._access.clear()
            self._refresh.clear()

    # -- what tests assert on ---------------------------------------------------------------

    def requests(self, endpoint: str) -> list[Seen]:
        with self._lock:
            return [seen for seen in self.seen if seen.endpoint == endpoint]

    def refreshes(self) -> list[Seen]:
        return [s for s in self.requests("token") if s.form.get("grant_type") == "refresh_token"]

    def filters(self) -> list[dict[str, Any]]:
        """The search filter of every GraphQL request, in arrival order."""
        return [seen.variables.get("filter", {}) for seen in self.requests("graphql")]

    # -- the server -------------------------------------------------------------------------

    def handle(self, request: Request) -> Reply:
        arrived = time.monotonic()
        path = request.path.split("?")[0]
        if request.method == "POST" and path == "/api/v3/oauth2/token":
            form = dict(parse_qsl(request.body.decode()))
            status, payload = self._token(form)
            self._record(Seen(arrived, "token", None, request.headers, form=form, status=status))
            return _json(status, payload, delay_s=self.token_delay_s if status == 200 else 0.0)
        if request.method == "POST" and path == "/graphql":
            return self._graphql(request, arrived)
        self._record(Seen(arrived, path, None, status=404))
        return _json(404, {"message": f"no route {request.method} {path}"})

    def _token(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if (form.get("client_id"), form.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ):
            return 401, {"error": "invalid_client", "error_description": "bad client"}
        grant = form.get("grant_type")
        with self._lock:
            if grant == "authorization_code":
                valid = form.get("code") in self._codes and form.get("redirect_uri") == (
                    self.redirect_uri
                )
                self._codes.discard(form.get("code", ""))
            elif grant == "refresh_token":
                valid = form.get("refresh_token") in self._refresh
                self._refresh.discard(form.get("refresh_token", ""))  # rotation: one use only
            else:
                return 400, {"error": "unsupported_grant_type"}
            if not valid:
                return 400, {"error": "invalid_grant", "error_description": "token is not valid"}
            access, refresh = f"at-{secrets.token_hex(8)}", f"rt-{secrets.token_hex(8)}"
            self._access[access] = time.monotonic() + self.access_ttl_s
            self._refresh.add(refresh)
        return 200, {
            "access_token": access,
            "refresh_token": refresh,
            "token_type": "bearer",
            "expires_in": self.access_ttl_s,
        }

    def _graphql(self, request: Request, arrived: float) -> Reply:
        body = json.loads(request.body or b"{}")
        query, variables = str(body.get("query", "")), dict(body.get("variables") or {})
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ") or None
        with self._lock:
            behaviour = self._script.popleft() if self._script else None
            authorised = bearer is not None and self._access.get(bearer, 0.0) > time.monotonic()
        if self.on_graphql is not None:
            self.on_graphql(bearer)
        status = 200
        payload: dict[str, Any] = {}
        headers: dict[str, str] = {}
        if isinstance(behaviour, Fail):
            status, payload = behaviour.status, {"message": "scripted failure"}
            headers = {"Retry-After": behaviour.retry_after} if behaviour.retry_after else {}
        elif not authorised:
            status, payload = 401, {"message": "Invalid or expired access token"}
        elif isinstance(behaviour, GraphQLErrors):
            payload = {"data": None, "errors": [{"message": m} for m in behaviour.messages]}
        else:
            payload = self.inbox.answer(query, variables) or self._search(query, variables)
        self._record(
            Seen(arrived, "graphql", bearer, request.headers, {}, variables, query, status)
        )
        return _json(status, payload, headers=headers)

    def _search(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        name = _FILTER_VARIABLE.search(query)
        if "marketplaceJobPostingsSearch" not in query or name is None:
            return {"data": None, "errors": [{"message": "expected marketplaceJobPostingsSearch"}]}
        search_filter = variables.get(name[1]) or {}
        page = search_filter.get("pagination_eq") or {}
        first, after = int(page.get("first", 10)), page.get("after")
        with self._lock:
            found = [job for job in self.jobs if _matches(job, search_filter)]
        keys = [_cursor(job) for job in found]
        start = keys.index(after) + 1 if after in keys else 0
        asked = set(_NAME.findall(query))
        edges = [
            {"cursor": _cursor(job), "node": _project(job, asked)}
            for job in found[start : start + first]
        ]
        info = {
            "endCursor": edges[-1]["cursor"] if edges else None,
            "hasNextPage": start + first < len(found),
        }
        connection = {"totalCount": len(found), "edges": edges, "pageInfo": info}
        return {"data": {"marketplaceJobPostingsSearch": connection}}

    def _record(self, seen: Seen) -> None:
        with self._lock:
            self.seen.append(seen)

    def _url(self, path: str) -> str:
        assert self.server is not None, "use the fake_upwork fixture"
        return self.server.url(path)


def _matches(job: dict[str, Any], search_filter: dict[str, Any]) -> bool:
    """Every word of ``searchExpression_eq`` appears in the title, description or skills."""
    words = str(search_filter.get("searchExpression_eq") or "").lower().split()
    skills = " ".join(str(s.get("name")) for s in job.get("skills") or [] if isinstance(s, dict))
    text = f"{job.get('title')} {job.get('description')} {skills}".lower()
    return all(word in text for word in words)


def _cursor(job: dict[str, Any]) -> str:
    key = str(job.get("ciphertext") or job.get("id") or id(job))
    return base64.b64encode(key.encode()).decode()


def _project(value: Any, asked: set[str]) -> Any:
    """Only the fields the query names, as a GraphQL server returns them."""
    if isinstance(value, dict):
        return {k: _project(v, asked) for k, v in value.items() if k in asked}
    if isinstance(value, list):
        return [_project(item, asked) for item in value]
    return value


def _json(
    status: int, payload: Any, *, headers: dict[str, str] | None = None, delay_s: float = 0.0
) -> Reply:
    return Reply(
        status=status,
        body=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
        delay_s=delay_s,
    )


@pytest.fixture
def fake_upwork() -> Iterator[FakeUpwork]:
    """A running fake Upwork on 127.0.0.1."""
    fake = FakeUpwork()
    with serve(fake.handle) as server:
        fake.server = server
        yield fake
