"""A fake OpenAI-compatible chat-completions server: a real HTTP server on 127.0.0.1.

Tests script it with a queue of behaviours (``enqueue``) and/or a ``responder`` that picks a
behaviour per request; it records every request it received and the most requests it ever had
in flight at once.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.connectors.servers import LocalServer, Reply, Request, serve


@dataclass(frozen=True)
class Say:
    """A successful completion with this text and these token counts."""

    text: str
    model: str = "gpt-fake-1"
    prompt_tokens: int = 120
    completion_tokens: int = 80
    cached_tokens: int = 64
    delay_s: float = 0.0


@dataclass(frozen=True)
class Fail:
    """An error reply in the OpenAI error shape (429 and 5xx are retried by the client)."""

    status: int
    message: str = "simulated failure"
    retry_after: str | None = "0.01"  # seconds; tiny so the client's retries stay fast


@dataclass(frozen=True)
class Malformed:
    """A 200 reply whose body is not a completion (not even JSON, by default)."""

    body: bytes = b'{"id": "chatcmpl-broken", "choices": [ {"index": 0, "mess'
    content_type: str = "application/json"


Behaviour = Say | Fail | Malformed
Responder = Callable[[dict[str, Any]], Behaviour]


class FakeOpenAI:
    """Answers ``POST /v1/chat/completions``; anything else is a 404 in the OpenAI error shape."""

    def __init__(self) -> None:
        self._queue: deque[Behaviour] = deque()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.responder: Responder = lambda body: Say("Default letter from the fake model.")
        self.server: LocalServer | None = None

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return self.server.url("/v1")

    def enqueue(self, *behaviours: Behaviour) -> None:
        """Answer the next requests with these, in order; then fall back to ``responder``."""
        with self._lock:
            self._queue.extend(behaviours)

    @property
    def bodies(self) -> list[dict[str, Any]]:
        """The JSON bodies of the chat-completion requests received, in arrival order."""
        assert self.server is not None
        return [
            json.loads(request.body)
            for request in self.server.requests
            if request.path.endswith("/chat/completions")
        ]

    @property
    def max_in_flight(self) -> int:
        assert self.server is not None
        return self.server.max_in_flight

    def handle(self, request: Request) -> Reply:
        if request.method != "POST" or request.path != "/v1/chat/completions":
            return _error(404, f"Unknown request URL: {request.method} {request.path}")
        body = json.loads(request.body)
        with self._lock:
            behaviour = self._queue.popleft() if self._queue else None
        if behaviour is None:
            behaviour = self.responder(body)
        if isinstance(behaviour, Fail):
            headers = {"Retry-After": behaviour.retry_after} if behaviour.retry_after else {}
            return _error(behaviour.status, behaviour.message, headers)
        if isinstance(behaviour, Malformed):
            return Reply(body=behaviour.body, headers={"Content-Type": behaviour.content_type})
        return Reply(
            body=json.dumps(self._completion(body, behaviour)).encode(),
            headers={"Content-Type": "application/json"},
            delay_s=behaviour.delay_s,
        )

    def _completion(self, body: dict[str, Any], say: Say) -> dict[str, Any]:
        return {
            "id": f"chatcmpl-fake{next(self._ids)}",
            "object": "chat.completion",
            "created": 1_790_000_000,
            "model": say.model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": say.text, "refusal": None},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": say.prompt_tokens,
                "completion_tokens": say.completion_tokens,
                "total_tokens": say.prompt_tokens + say.completion_tokens,
                "prompt_tokens_details": {"cached_tokens": say.cached_tokens, "audio_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0},
            },
            "system_fingerprint": "fp_fake",
        }


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Reply:
    payload = {"error": {"message": message, "type": "server_error", "param": None, "code": None}}
    return Reply(
        status=status,
        body=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A running fake OpenAI server; point a client at ``fake_openai.base_url``."""
    fake = FakeOpenAI()
    with serve(fake.handle) as server:
        fake.server = server
        yield fake
