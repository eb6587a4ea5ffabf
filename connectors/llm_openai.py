"""The drafter for any OpenAI-compatible chat-completions server (OpenAI, Azure OpenAI, Ollama,
vLLM, LM Studio): structured output, our own retries, one global bound on calls in flight."""

from __future__ import annotations

import asyncio
import logging
import random
from contextlib import AbstractAsyncContextManager
from typing import Any

import openai

from bidflow.settings import Settings
from connectors.llm_limit import GlobalLimit
from connectors.llm_reply import (
    JSON_OBJECT_FORMAT,
    JSON_SCHEMA_FORMAT,
    SCHEMA_IN_PROMPT,
    parse_completion,
)
from connectors.llm_retry import Backoff, retry_after_s, retryable, server_url
from connectors.llm_types import DraftRequest, DraftResult, LLMError, MalformedReply

log = logging.getLogger("bidflow.llm")


class OpenAIDrafter:
    """Drafts through ``openai.AsyncOpenAI`` (or ``AsyncAzureOpenAI`` when an Azure endpoint is
    set, the model naming the deployment)."""

    def __init__(self, settings: Settings, *, rng: random.Random | None = None) -> None:
        self.model = settings.llm_model
        self.azure = settings.azure_openai_endpoint is not None
        self.server = server_url(settings)
        self.backoff = Backoff.configured(settings)
        self.limit = GlobalLimit(settings.llm_concurrency_limit, settings.llm_concurrency)
        # Until the server rejects it; then the schema goes into the prompt instead.
        self.json_schema = True
        self._settings = settings
        self._rng = rng or random.Random()
        self._client: openai.AsyncOpenAI | None = None

    def reserve(self, count: int) -> AbstractAsyncContextManager[None]:
        """Hold the global limit's slots for a batch of ``count`` requests at once."""
        return self.limit.reserve(count)

    def _connect(self) -> openai.AsyncOpenAI:
        # Made on first use, inside the event loop that uses its connections; ``aclose`` ends
        # them before that loop closes, and the next draft (in any loop) connects afresh.
        if self._client is None:
            settings = self._settings
            # Local servers ignore the key but the client insists on one.
            key = settings.openai_api_key or "not-needed"
            # Retries are ours (below): the client's would ignore our attempt budget and cap.
            if settings.azure_openai_endpoint is not None:
                self._client = openai.AsyncAzureOpenAI(
                    azure_endpoint=settings.azure_openai_endpoint,
                    api_version=settings.azure_openai_api_version,
                    api_key=key,
                    timeout=settings.llm_timeout_s,
                    max_retries=0,
                )
            else:
                self._client = openai.AsyncOpenAI(
                    api_key=key,
                    base_url=settings.openai_base_url,
                    timeout=settings.llm_timeout_s,
                    max_retries=0,
                )
        return self._client

    async def aclose(self) -> None:
        """Close the connections to the server."""
        client, self._client = self._client, None
        if client is not None:
            await client.close()

    async def draft(self, request: DraftRequest) -> DraftResult:
        """One draft, tried up to ``backoff.attempts`` times on transient failures; a malformed
        reply is tried once more. Raises LLMError when no try gave a draft."""
        tries = 0
        malformed_retry = True
        while True:
            tries += 1
            json_schema = self.json_schema
            try:
                return await self._try(request, json_schema)
            except MalformedReply:
                if not malformed_retry or tries >= self.backoff.attempts:
                    raise
                malformed_retry = False
            except openai.BadRequestError as exc:
                if not (json_schema and "response_format" in str(exc)):
                    raise self._error(exc) from exc
                if self.json_schema:
                    log.info("%s rejects json_schema replies; asking for json_object", self.server)
                self.json_schema = False
                tries -= 1  # a change of request, not a failed try
            except openai.OpenAIError as exc:
                if not retryable(exc) or tries >= self.backoff.attempts:
                    raise self._error(exc) from exc
                await asyncio.sleep(self.backoff.delay(tries, retry_after_s(exc), self._rng))

    async def _try(self, request: DraftRequest, json_schema: bool) -> DraftResult:
        system = request.system if json_schema else f"{request.system}\n\n{SCHEMA_IN_PROMPT}"
        options: dict[str, Any] = {
            "response_format": JSON_SCHEMA_FORMAT if json_schema else JSON_OBJECT_FORMAT
        }
        async with self.limit.slot():
            try:
                completion: object = await self._connect().chat.completions.create(
                    model=self.model,
                    messages=[
                        {"role": "system", "content": system},
                        {"role": "user", "content": request.user},
                    ],
                    temperature=0.7,
                    **options,
                )
            except ValueError as exc:  # the client decodes JSON replies without checking them
                raise MalformedReply(f"{self.server}: the reply is not valid JSON ({exc})") from exc
        return parse_completion(completion, request, self.model, self.server)

    def _error(self, exc: openai.OpenAIError) -> LLMError:
        return LLMError(f"{self.server}: {type(exc).__name__}: {exc}")
