"""A fake OpenAI-compatible chat-completions server: a real HTTP server on 127.0.0.1.

Tests script it with a queue of behaviours (``enqueue``) and/or a ``responder`` that picks a
behaviour per request (``chaos`` and ``fixed_latency`` set common ones); it records every request
it received, when it arrived, and the most requests it ever had in flight at once. It answers
OpenAI's path (``/v1/chat/completions``) and Azure's
(``/openai/deployments/{deployment}/chat/completions?api-version=…``), and embeddings on both
(``…/embeddings``, the model in ``fake_embeddings``), recorded apart in ``embedding_arrivals``
and scripted apart with ``enqueue_embeddings`` so chat tests see only chat requests.
"""

from __future__ import annotations

import itertools
import json
import random
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from tests.connectors.fake_embeddings import embeddings_reply
from tests.connectors.servers import LocalServer, Reply, Request, serve

_PATH = re.compile(r"^(/v1|/openai/deployments/(?P<deployment>[^/]+))/chat/completions$")
_EMBEDDINGS_PATH = re.compile(r"^(/v1|/openai/deployments/(?P<deployment>[^/]+))/embeddings$")


@dataclass(frozen=True)
class Say:
    """A successful completion. When the request asks for JSON (``response_format``), ``text``
    becomes the ``cover_letter`` of a valid reply carrying the other fields given here."""

    text: str
    model: str = "gpt-fake-1"
    prompt_tokens: int = 120
    completion_tokens: int = 80
    cached_tokens: int = 64
    delay_s: float = 0.0
    suggested_bid: float | None = None
    rationale: str = "Fits the bidder's Python work."
    questions: tuple[str, ...] = ()  # questions_for_client
    answers: tuple[tuple[str, str], ...] = ()  # screening_answers: (question, answer)


@dataclass(frozen=True)
class Content:
    """A successful completion whose message content is exactly ``text``, never wrapped."""

    text: str


@dataclass(frozen=True)
class Fail:
    """An error reply in the OpenAI error shape."""

    status: int
    message: str = "simulated failure"
    retry_after: str | None = "0.01"  # seconds (or an HTTP date); tiny so retries stay fast


@dataclass(frozen=True)
class Malformed:
    """A 200 reply whose body is not a completion (not even JSON, by default)."""

    body: bytes = b'{"id": "chatcmpl-broken", "choices": [ {"index": 0, "mess'
    content_type: str = "application/json"


Behaviour = Say | Content | Fail | Malformed
Responder = Callable[[dict[str, Any]], Behaviour]


@dataclass(frozen=True)
class Arrival:
    """One chat-completion request: when it arrived (monotonic seconds), its path and body."""

    at: float
    path: str
    body: dict[str, Any]


class FakeOpenAI:
    """Answers chat completions; anything else is a 404 in the OpenAI error shape."""

    def __init__(self) -> None:
        self._queue: deque[Behaviour] = deque()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.responder: Responder = lambda body: Say("Default letter from the fake model.")
        self.rejects_json_schema = False  # like servers that only know {"type": "json_object"}
        self.arrivals: list[Arrival] = []
        self._embedding_queue: deque[Fail | Malformed] = deque()
        self.embedding_arrivals: list[Arrival] = []
        self.server: LocalServer | None = None

    @property
    def base_url(self) -> str:
        assert self.server is not None
        return self.server.url("/v1")

    @property
    def azure_endpoint(self) -> str:
        assert self.server is not None
        return self.server.url("")

    def enqueue(self, *behaviours: Behaviour) -> None:
        """Answer the next requests with these, in order; then fall back to ``responder``."""
        with self._lock:
            self._queue.extend(behaviours)

    def enqueue_embeddings(self, *behaviours: Fail | Malformed) -> None:
        """Answer the next embeddings requests with these failures, in order; then with vectors."""
        with self._lock:
            self._embedding_queue.extend(behaviours)

    @property
    def embedding_inputs(self) -> list[list[str]]:
        """The texts of each embeddings request received, in arrival order."""
        return [_texts(arrival.body["input"]) for arrival in self.embedding_arrivals]

    def fixed_latency(self, latency_s: float) -> None:
        """Answer every request successfully after ``latency_s`` seconds."""
        self.responder = lambda body: Say("A letter after a fixed wait.", delay_s=latency_s)

    def chaos(self, fraction: float, failures: Sequence[Behaviour], seed: int = 0) -> None:
        """Fail ``fraction`` of the requests, cycling through ``failures``; which requests
        fail is fixed by ``seed`` (the n-th request to arrive fails or not, whatever it is)."""
        rng = random.Random(seed)
        kinds = itertools.cycle(failures)

        def respond(body: dict[str, Any]) -> Behaviour:
            with self._lock:
                return next(kinds) if rng.random() < fraction else Say("A letter despite chaos.")

        self.responder = respond

    @property
    def bodies(self) -> list[dict[str, Any]]:
        """The JSON bodies of the chat-completion requests received, in arrival order."""
        return [arrival.body for arrival in self.arrivals]

    @property
    def max_in_flight(self) -> int:
        assert self.server is not None
        return self.server.max_in_flight

    def handle(self, request: Request) -> Reply:
        path = request.path.split("?", 1)[0]
        if request.method == "POST" and _EMBEDDINGS_PATH.match(path):
            return self._embeddings(request)
        if request.method != "POST" or not _PATH.match(path):
            return _error(404, f"Unknown request URL: {request.method} {request.path}")
        body = json.loads(request.body)
        with self._lock:
            self.arrivals.append(Arrival(time.monotonic(), request.path, body))
            behaviour = self._queue.popleft() if self._queue else None
        if behaviour is None:
            behaviour = self.responder(body)
        wanted = (body.get("response_format") or {}).get("type")
        if self.rejects_json_schema and wanted == "json_schema":
            message = "Invalid parameter: 'response_format' of type 'json_schema' is not supported."
            return _error(400, message)
        if isinstance(behaviour, Fail):
            headers = {"Retry-After": behaviour.retry_after} if behaviour.retry_after else {}
            return _error(behaviour.status, behaviour.message, headers)
        if isinstance(behaviour, Malformed):
            return Reply(body=behaviour.body, headers={"Content-Type": behaviour.content_type})
        if isinstance(behaviour, Content):
            content, say = behaviour.text, Say(behaviour.text)
        else:
            content, say = behaviour.text, behaviour
            if wanted in ("json_schema", "json_object"):
                content = json.dumps(_structured(say))
        return Reply(
            body=json.dumps(self._completion(content, say)).encode(),
            headers={"Content-Type": "application/json"},
            delay_s=say.delay_s,
        )

    def _embeddings(self, request: Request) -> Reply:
        body = json.loads(request.body)
        with self._lock:
            self.embedding_arrivals.append(Arrival(time.monotonic(), request.path, body))
            behaviour = self._embedding_queue.popleft() if self._embedding_queue else None
        if isinstance(behaviour, Fail):
            headers = {"Retry-After": behaviour.retry_after} if behaviour.retry_after else {}
            return _error(behaviour.status, behaviour.message, headers)
        if isinstance(behaviour, Malformed):
            return Reply(body=behaviour.body, headers={"Content-Type": behaviour.content_type})
        reply = embeddings_reply(body, str(body.get("model", "")))
        return Reply(body=json.dumps(reply).encode(), headers={"Content-Type": "application/json"})

    def _completion(self, content: str, say: Say) -> dict[str, Any]:
        return {
            "id": f"chatcmpl-fake{next(self._ids)}",
            "object": "chat.completion",
            "created": 1_790_000_000,
            "model": say.model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": None},
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


def _texts(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def _structured(say: Say) -> dict[str, Any]:
    return {
        "cover_letter": say.text,
        "screening_answers": [{"question": q, "answer": a} for q, a in say.answers],
        "suggested_bid": say.suggested_bid,
        "rationale": say.rationale,
        "questions_for_client": list(say.questions),
    }


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Reply:
    payload = {"error": {"message": message, "type": "server_error", "param": None, "code": None}}
    return Reply(
        status=status,
        body=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )


@contextmanager
def running_fake_openai() -> Iterator[FakeOpenAI]:
    """A fake OpenAI server running until the block ends."""
    fake = FakeOpenAI()
    with serve(fake.handle) as server:
        fake.server = server
        yield fake


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A running fake OpenAI server; point a client at ``fake_openai.base_url``."""
    with running_fake_openai() as fake:
        yield fake
