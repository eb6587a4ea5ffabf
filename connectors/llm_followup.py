"""Drafting follow-ups: the LLM when one is configured, else (and whenever it fails) a short
offline follow-up from ``prompts/offline_followup.j2``, so every claimed follow-up ends with
exactly one letter. ``draft_all`` bounds the calls as for proposals; its own fallback (the
offline *proposal* letter) is never reached, because this drafter does not raise."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bidflow.settings import Settings
from connectors.llm import OFFLINE_MODEL, Drafter, DraftRequest, DraftResult, LLMError
from connectors.llm_openai import OpenAIDrafter
from prompts import render

OFFLINE_TEMPLATE = "offline_followup.j2"
ERROR_CHARS = 500  # enough to say what failed; the whole body of an error page is not


class OfflineFollowUpDrafter:
    """A deterministic follow-up from the job and the bidder; no network."""

    model = OFFLINE_MODEL

    async def draft(self, request: DraftRequest) -> DraftResult:
        return self.draft_now(request)

    def draft_now(self, request: DraftRequest, error: str | None = None) -> DraftResult:
        text = render(OFFLINE_TEMPLATE, **request.offline_variables).strip()
        return DraftResult(key=request.key, text=text, model=self.model, offline=True, error=error)


class FollowUpDrafter:
    """Writes follow-ups with ``llm`` (None: no LLM configured), falling back to the offline
    follow-up with the reason when the LLM gives no letter."""

    def __init__(self, llm: Drafter | None) -> None:
        self._llm = llm
        self._offline = OfflineFollowUpDrafter()
        self.model = llm.model if llm is not None else OFFLINE_MODEL

    async def draft(self, request: DraftRequest) -> DraftResult:
        if self._llm is None:
            return self._offline.draft_now(request)
        try:
            return await self._llm.draft(request)
        except Exception as exc:  # whatever went wrong, the follow-up still gets a letter
            error = str(exc) if isinstance(exc, LLMError) else f"{type(exc).__name__}: {exc}"
            return self._offline.draft_now(request, error=error[:ERROR_CHARS])

    async def aclose(self) -> None:
        """Close the LLM's connections, if it holds any."""
        close: Callable[[], Awaitable[None]] | None = getattr(self._llm, "aclose", None)
        if close is not None:
            await close()


def follow_up_drafter(settings: Settings) -> FollowUpDrafter:
    """The follow-up drafter for ``settings``: the configured LLM, else offline only."""
    return FollowUpDrafter(OpenAIDrafter(settings) if settings.llm_configured else None)
