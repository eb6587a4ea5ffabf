"""One GraphQL request to Upwork's API, made the way every bidflow reader of the API makes it
(the job feed, the inbox): the feed's access token as Bearer, refreshed once after a 401; the
agency's tenant header; the rate limit shared per API host; in flow runs, a slot of the Prefect
global concurrency limit every worker's Upwork requests share; retries with backoff; and
Upwork's errors turned into messages a person can act on.

Queries only: bidflow never changes anything at Upwork, so a document holding a mutation is
refused before it is sent.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bidflow import __version__
from bidflow.config.feeds import UpworkApiFeedConfig
from bidflow.errors import FeedError
from bidflow.settings import get_settings
from connectors.feeds.upwork_auth import AccessTokens, OAuthClient, TokenStore
from connectors.feeds.upwork_http import RateLimiter, limiter_for, post_with_retries
from connectors.global_limit import ApiLimit

USER_AGENT = f"bidflow/{__version__} (+Upwork GraphQL API client)"
KEYS_PAGE = "https://www.upwork.com/developer/keys/"

_MUTATION = re.compile(r"\bmutation\b")
# A field the API key has no permission for is answered with HTTP 200 and an error reading
# "The client or authentication token doesn't have enough oauth2 permissions/scopes to access:
# [Query.roomList, PageInfo.endCursor]." (the blocked fields, as Type.field).
_PERMISSION = re.compile(r"oauth2 permissions/scopes to access:?\s*\[([^\]]*)\]", re.IGNORECASE)


class UpworkPermissionError(FeedError):
    """Upwork refused fields the API key has no permission ("scope") for; ``fields`` lists
    them as Upwork named them, e.g. ``Query.vendorProposals``."""

    def __init__(self, message: str, fields: Sequence[str]) -> None:
        super().__init__(message)
        self.fields = tuple(fields)


@dataclass
class UpworkGraphQL:
    """The GraphQL endpoint as one feed's (or inbox source's) poll uses it. ``label`` starts
    every error message: the name a person knows the failing reader by."""

    label: str
    api_url: str
    tokens: AccessTokens
    tenant_id: str | None = None
    requests_per_second: float = 10.0
    limiter: RateLimiter = field(init=False)
    global_limit: ApiLimit = field(init=False)

    _poll: ExitStack = field(init=False, default_factory=ExitStack)

    def __post_init__(self) -> None:
        self.limiter = limiter_for(self.api_url, self.requests_per_second)
        settings = get_settings()
        self.global_limit = ApiLimit(
            settings.upwork_concurrency_limit,
            settings.upwork_concurrency,
            label="Upwork API requests",
        )

    def __enter__(self) -> UpworkGraphQL:
        """A poll: its requests, made one after another, share one global slot, taken now and
        given back on exit (used without ``with``, each request takes its own)."""
        self._poll.enter_context(self.global_limit.for_poll())
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._poll.close()

    def data(self, query: str, variables: Mapping[str, Any]) -> Mapping[str, Any]:
        """The answer's ``data`` (empty when it has none). Raises FeedError when Upwork refuses
        or fails, UpworkPermissionError when the refusal is a missing permission."""
        if _MUTATION.search(query):
            raise ValueError("bidflow only reads from Upwork; refusing to send a mutation")
        body = {"query": query, "variables": dict(variables)}
        token = self.tokens.current()
        response = self._post(token, body)
        if response.status_code == 401:
            response = self._post(self.tokens.refresh(stale=token), body)
        return self._data(response)

    def _post(self, token: str, body: dict[str, Any]) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"}
        if self.tenant_id:
            headers["X-Upwork-API-TenantId"] = self.tenant_id
        # The rate limiter spaces this process's requests; the global slot bounds all workers'
        # (Upwork counts per key and IP, not per process). The slot is held through retries:
        # a request waiting out a 429's Retry-After does not make room for another one.
        with self.global_limit.slot():
            return post_with_retries(
                self.tokens.http,
                self.api_url,
                feed=self.label,
                limiter=self.limiter,
                json_body=body,
                headers=headers,
            )

    def _data(self, response: httpx.Response) -> Mapping[str, Any]:
        feed = self.tokens.store.feed
        if response.status_code == 401:
            raise FeedError(
                f"{self.label}: Upwork refused a freshly refreshed access token (HTTP 401);"
                f" run `bidflow connect upwork --feed {feed}`"
            )
        if response.is_error:
            raise FeedError(
                f"{self.label}: Upwork API answered HTTP {response.status_code}"
                f" {response.reason_phrase}: {' '.join(response.text.split())[:200]}"
            )
        try:
            payload = response.json()
        except ValueError:
            raise FeedError(
                f"{self.label}: Upwork API answered with something that is not JSON"
            ) from None
        errors = payload.get("errors") if isinstance(payload, Mapping) else None
        if errors:
            listed = errors if isinstance(errors, list) else [errors]
            messages = [str(e.get("message", e) if isinstance(e, Mapping) else e) for e in listed]
            text = f"{self.label}: Upwork API error: {'; '.join(messages)}"
            blocked = [f.strip() for m in messages for f in _blocked_fields(m)]
            if blocked:
                raise UpworkPermissionError(text, blocked)
            raise FeedError(text)
        data = payload.get("data") if isinstance(payload, Mapping) else None
        return data if isinstance(data, Mapping) else {}


@dataclass(frozen=True)
class UpworkEndpoint:
    """How an ``upwork_api`` feed's polls (its job searches, an inbox source reading through
    it) reach the API: the app's OAuth client, the GraphQL URL, the agency's tenant, the
    request rate and the timeout."""

    oauth: OAuthClient
    api_url: str
    tenant_id: str | None = None
    requests_per_second: float = 10.0
    timeout_s: float = 30.0

    @classmethod
    def from_feed(cls, feed: UpworkApiFeedConfig) -> UpworkEndpoint:
        return cls(
            oauth=OAuthClient.from_config(feed),
            api_url=feed.api_url,
            tenant_id=feed.tenant_id,
            requests_per_second=feed.requests_per_second,
        )

    @contextmanager
    def poll(self, label: str, *, home: Path, token_feed: str) -> Iterator[UpworkGraphQL]:
        """One poll's GraphQL client: its own HTTP connections, the access tokens of the feed
        ``token_feed`` (refreshed and saved under ``home``), and the poll's one global slot;
        ``label`` starts its error messages."""
        with (
            httpx.Client(timeout=self.timeout_s, headers={"User-Agent": USER_AGENT}) as http,
            UpworkGraphQL(
                label,
                self.api_url,
                AccessTokens(TokenStore(home, token_feed), self.oauth, http),
                self.tenant_id,
                self.requests_per_second,
            ) as graphql,
        ):
            yield graphql


def _blocked_fields(message: str) -> list[str]:
    match = _PERMISSION.search(message)
    return [part for part in match[1].split(",") if part.strip()] if match else []
