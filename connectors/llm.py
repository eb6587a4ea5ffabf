"""Drafting letters: an OpenAI-compatible client, and the offline drafter that needs no network.

Both implement ``Drafter``; ``drafter_for`` picks one from the settings, like a plugin registry.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import openai
from openai.types.chat import ChatCompletion

from bidflow.settings import Settings
from prompts import render

OFFLINE_MODEL = "offline"


@dataclass(frozen=True)
class DraftRequest:
    """What one letter needs: the rendered prompt and the offline letter's inputs."""

    key: int  # the caller's id for this request (the decision id)
    system: str  # stable across one bidder's drafts: agency policy + bidder profile
    user: str  # instructions, then the fenced job text, last
    offline_variables: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class DraftResult:
    """One written letter and what it cost."""

    key: int
    text: str
    model: str
    offline: bool
    tokens_in: int = 0
    tokens_out: int = 0
    tokens_cached: int = 0
    error: str | None = None  # why the LLM was not used, when it fell back to offline


class LLMError(Exception):
    """The LLM server failed or replied with something that is not a letter; names the server."""


class Drafter(Protocol):
    """Writes one letter for a request; may raise on failure (callers fall back to offline).

    A drafter that holds connections also has ``async aclose()``; ``draft_all`` calls it.
    """

    model: str

    async def draft(self, request: DraftRequest) -> DraftResult: ...


class OfflineDrafter:
    """A deterministic letter from the job and the bidder's most relevant work; no network."""

    model = OFFLINE_MODEL

    async def draft(self, request: DraftRequest) -> DraftResult:
        return self.draft_now(request)

    def draft_now(self, request: DraftRequest, error: str | None = None) -> DraftResult:
        text = render("offline_letter.j2", **request.offline_variables).strip()
        return DraftResult(key=request.key, text=text, model=self.model, offline=True, error=error)


class OpenAIDrafter:
    """Any OpenAI-compatible chat-completions server (OpenAI, Azure, Ollama, vLLM, LM Studio)."""

    def __init__(self, settings: Settings) -> None:
        self.model = settings.llm_model
        self.server = settings.openai_base_url or "https://api.openai.com/v1"
        self._settings = settings
        self._client: openai.AsyncOpenAI | None = None

    def _connect(self) -> openai.AsyncOpenAI:
        # Made on first use, inside the event loop that uses its connections; ``aclose`` ends
        # them before that loop closes, and the next draft (in any loop) connects afresh.
        if self._client is None:
            self._client = openai.AsyncOpenAI(
                # Local servers ignore the key but the client insists on one.
                api_key=self._settings.openai_api_key or "not-needed",
                base_url=self._settings.openai_base_url,
                timeout=self._settings.llm_timeout_s,
                max_retries=2,
            )
        return self._client

    async def aclose(self) -> None:
        """Close the connections to the server."""
        client, self._client = self._client, None
        if client is not None:
            await client.close()

    async def draft(self, request: DraftRequest) -> DraftResult:
        try:
            completion: object = await self._connect().chat.completions.create(
                model=self.model,
                messages=[
                    {"role": "system", "content": request.system},
                    {"role": "user", "content": request.user},
                ],
                temperature=0.7,
            )
        except openai.OpenAIError as exc:
            raise LLMError(f"{self.server}: {type(exc).__name__}: {exc}") from exc
        except ValueError as exc:  # the client decodes JSON replies without checking them
            raise LLMError(f"{self.server}: the reply is not valid JSON ({exc})") from exc
        return self._result(request, completion)

    def _result(self, request: DraftRequest, completion: object) -> DraftResult:
        if not isinstance(completion, ChatCompletion):
            raise LLMError(f"{self.server}: the reply is not a chat completion")
        if not completion.choices:
            raise LLMError(f"{self.server}: the reply has no choices")
        choice = completion.choices[0]
        text = (choice.message.content or "").strip() if choice.message else ""
        if not text:
            reason = f" (finish_reason: {choice.finish_reason})" if choice.finish_reason else ""
            raise LLMError(f"{self.server}: the model returned an empty letter{reason}")
        usage = completion.usage
        cached = 0
        if usage is not None and usage.prompt_tokens_details is not None:
            cached = usage.prompt_tokens_details.cached_tokens or 0
        return DraftResult(
            key=request.key,
            text=text,
            model=completion.model or self.model,
            offline=False,
            tokens_in=usage.prompt_tokens if usage else 0,
            tokens_out=usage.completion_tokens if usage else 0,
            tokens_cached=cached,
        )


def drafter_for(settings: Settings) -> Drafter:
    """The LLM when one is configured, else the offline drafter."""
    return OpenAIDrafter(settings) if settings.llm_configured else OfflineDrafter()


async def draft_all(
    requests: Sequence[DraftRequest],
    drafter: Drafter,
    *,
    concurrency: int,
    on_done: Callable[[DraftResult], None] | None = None,
) -> list[DraftResult]:
    """Draft every request with at most ``concurrency`` in flight, in the order given. A request
    the LLM fails on gets the offline letter, flagged, so every job still ends with exactly one
    draft. The drafter's connections are closed at the end (it reconnects if used again)."""
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, not {concurrency}")
    offline = OfflineDrafter()
    gate = asyncio.Semaphore(concurrency)

    async def one(request: DraftRequest) -> DraftResult:
        async with gate:
            try:
                result = await drafter.draft(request)
            except Exception as exc:  # whatever went wrong, this job still gets a letter
                error = str(exc) if isinstance(exc, LLMError) else f"{type(exc).__name__}: {exc}"
                result = offline.draft_now(request, error=error[:500])
        if on_done is not None:
            on_done(result)
        return result

    try:
        return list(await asyncio.gather(*(one(request) for request in requests)))
    finally:
        close: Callable[[], Awaitable[None]] | None = getattr(drafter, "aclose", None)
        if close is not None:
            await close()
