"""One bound on LLM calls across every worker: a Prefect global concurrency limit.

Inside a flow run each LLM request holds one slot of the named limit, or a batch holds its
slots for all its requests; the limit is created or resized to ``slots`` once per process and
Prefect server. Outside a flow run, or when the limit cannot be used, only the caller's
in-process semaphore bounds the calls; that is logged once per limit."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Literal

from prefect.client.orchestration import get_client
from prefect.concurrency.asyncio import concurrency
from prefect.context import FlowRunContext

from connectors.global_limit import LEASE_S, remember_ensured, was_ensured

log = logging.getLogger("bidflow.llm")


class GlobalLimit:
    """A named Prefect global concurrency limit with ``slots`` slots, or nothing."""

    def __init__(self, name: str, slots: int) -> None:
        self.name = name
        self.slots = slots
        self.state: Literal["unknown", "on", "off"] = "unknown" if name else "off"
        self._ensuring: asyncio.Lock | None = None
        self._reserved = False  # a batch holds slots for every request made inside it

    @asynccontextmanager
    async def reserve(self, count: int) -> AsyncIterator[None]:
        """Hold ``count`` slots (at most the limit's size) for a whole batch of requests, taken
        in one call; the requests inside take none of their own. A slot per request costs two
        API calls per letter — seconds per batch on a busy Prefect server."""
        if self._reserved or count < 1:
            yield
            return
        async with self._held(min(count, self.slots)) as held:
            self._reserved = held
            try:
                yield
            finally:
                self._reserved = False

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one slot of the limit while the body runs, when the limit is usable (and no
        batch reservation already holds slots for it)."""
        if self._reserved:
            yield
            return
        async with self._held(1):
            yield

    @asynccontextmanager
    async def _held(self, occupy: int) -> AsyncIterator[bool]:
        """Hold ``occupy`` slots while the body runs; yields whether slots are held."""
        held = False
        async with AsyncExitStack() as stack:
            if await self._usable():
                try:
                    await stack.enter_async_context(
                        concurrency(
                            self.name,
                            occupy=occupy,
                            lease_duration=LEASE_S,  # a killed worker's slots come back soon
                            strict=True,  # a deleted limit is an error: we fall back
                            raise_on_lease_renewal_failure=False,  # a draft outlives a hiccup
                        )
                    )
                    held = True
                except Exception as exc:  # the Prefect API failed: drafting goes on without it
                    remember_ensured(self.name, self.slots, False)
                    self._off(f"acquiring a slot failed ({type(exc).__name__}: {exc})")
            yield held

    async def _usable(self) -> bool:
        if self.state == "unknown":
            # Only the drafter's first requests get here; they ensure the limit one at a time.
            self._ensuring = self._ensuring or asyncio.Lock()
            async with self._ensuring:
                if self.state == "unknown":
                    await self._ensure()
        return self.state == "on"

    async def _ensure(self) -> None:
        if FlowRunContext.get() is None:
            self._off("not inside a flow run")
            return
        if was_ensured(self.name, self.slots):
            self.state = "on"
            return
        try:
            async with get_client() as client:
                try:
                    await client.upsert_global_concurrency_limit_by_name(self.name, self.slots)
                except Exception:
                    # Another worker may have created it at the same moment: use theirs.
                    await client.read_global_concurrency_limit_by_name(self.name)
        except Exception as exc:
            self._off(f"it could not be created ({type(exc).__name__}: {exc})")
            return
        remember_ensured(self.name, self.slots, True)
        self.state = "on"

    def _off(self, why: str) -> None:
        if self.state != "off":
            self.state = "off"
            log.info(
                "LLM calls are bounded per process only, not by the Prefect global concurrency"
                " limit %r: %s",
                self.name,
                why,
            )
