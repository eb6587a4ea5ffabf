"""One bound on a marketplace API's requests across every worker: a Prefect global concurrency
limit, for synchronous callers (the Upwork GraphQL client). ``connectors/llm_limit.py`` is its
asynchronous twin for LLM calls, and behaves the same way.

Inside a flow run a poll holds one slot of the named limit for all its requests (they go one
after another), or each request holds one of its own. The limit is created or resized to
``slots`` once per process and Prefect server, not once per poll: each is an API round trip,
and a poll makes a new client every time. Outside a flow run, or when the limit cannot be
used, only the caller's own per-process rate limiter applies; that is logged once per limit
and process."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Literal

from prefect.client.orchestration import get_client
from prefect.concurrency.sync import concurrency
from prefect.context import FlowRunContext
from prefect.settings import PREFECT_API_URL

log = logging.getLogger("bidflow.feeds")

# A slot's lease is renewed every 3/4 of this while its holder lives; a killed worker's slots
# come back this long (plus the server's 15 s repossessor pass) after it died, not after
# Prefect's default 300 s, during which every other worker would wait for them. 60 s is the
# shortest lease Prefect's server grants.
LEASE_S = 60.0

_reported: set[str] = set()  # limits already logged as off in this process
_reported_lock = threading.Lock()
_ensured: set[tuple[str, str, int]] = set()  # (Prefect API, limit, slots) created or resized


def _key(name: str, slots: int) -> tuple[str, str, int]:
    # Another Prefect server needs the limit created again.
    return (str(PREFECT_API_URL.value() or ""), name, slots)


def was_ensured(name: str, slots: int) -> bool:
    """Whether this process already created or resized the limit on the current server."""
    return _key(name, slots) in _ensured


def remember_ensured(name: str, slots: int, ensured: bool) -> None:
    """Record that the limit exists with its size (``ensured``), or forget it: acquiring a
    slot failed, so the next client checks the limit again (someone may have deleted it)."""
    if ensured:
        _ensured.add(_key(name, slots))
    else:
        _ensured.discard(_key(name, slots))


class ApiLimit:
    """A named Prefect global concurrency limit with ``slots`` slots, or nothing."""

    def __init__(self, name: str, slots: int, *, label: str = "API requests") -> None:
        self.name = name
        self.slots = slots
        self.label = label  # what is bounded, for the one log line when the limit is off
        self.state: Literal["unknown", "on", "off"] = "unknown" if name else "off"
        self._ensuring = threading.Lock()
        self._poll_holds = False  # for_poll holds a slot for every request

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one slot of the limit while the body runs, when the limit is usable and no
        ``for_poll`` hold already covers this request."""
        if self._poll_holds:
            yield
            return
        with self._held():
            yield

    @contextmanager
    def for_poll(self) -> Iterator[None]:
        """Hold one slot for every request made inside (a poll's requests go one after
        another): one acquire and one release per poll instead of two API calls a page."""
        with self._held():
            self._poll_holds = True
            try:
                yield
            finally:
                self._poll_holds = False

    @contextmanager
    def _held(self) -> Iterator[None]:
        with ExitStack() as stack:
            if self._usable():
                try:
                    stack.enter_context(
                        concurrency(
                            self.name,
                            occupy=1,
                            lease_duration=LEASE_S,
                            strict=True,  # a deleted limit is an error: we fall back
                            raise_on_lease_renewal_failure=False,  # a poll outlives a hiccup
                        )
                    )
                except Exception as exc:  # the Prefect API failed: polling goes on without it
                    remember_ensured(self.name, self.slots, False)
                    self._off(f"acquiring a slot failed ({type(exc).__name__}: {exc})")
            yield

    def _usable(self) -> bool:
        if self.state == "unknown":
            with self._ensuring:  # the first requests ensure the limit one at a time
                if self.state == "unknown":
                    self._ensure()
        return self.state == "on"

    def _ensure(self) -> None:
        if FlowRunContext.get() is None:
            self._off("not inside a flow run")
            return
        if was_ensured(self.name, self.slots):
            self.state = "on"
            return
        try:
            with get_client(sync_client=True) as client:
                try:
                    client.upsert_global_concurrency_limit_by_name(self.name, self.slots)
                except Exception:
                    # Another worker may have created it at the same moment: use theirs.
                    client.read_global_concurrency_limit_by_name(self.name)
        except Exception as exc:
            self._off(f"it could not be created ({type(exc).__name__}: {exc})")
            return
        remember_ensured(self.name, self.slots, True)
        self.state = "on"

    def _off(self, why: str) -> None:
        self.state = "off"
        with _reported_lock:
            if self.name in _reported:
                return
            _reported.add(self.name)
        log.info(
            "%s are bounded per process only, not by the Prefect global concurrency limit %r: %s",
            self.label,
            self.name,
            why,
        )
