"""The drafting family's shared nouns: a request, a result, the error, the ``Drafter`` protocol."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class DraftRequest:
    """What one letter needs: the rendered prompt and the offline letter's inputs."""

    key: int  # the caller's id for this request (the decision id)
    system: str  # stable across one bidder's drafts: agency policy + bidder profile
    user: str  # instructions, then the fenced job text, last
    offline_variables: dict[str, object] = field(default_factory=dict)
    # The client's questions, already in the prompt; answers are filed under these words.
    screening_questions: tuple[str, ...] = ()


@dataclass(frozen=True)
class DraftResult:
    """One written letter, the structured extras the model returned, and what it used."""

    key: int
    text: str
    model: str
    offline: bool
    tokens_in: int = 0  # prompt tokens, cached ones included
    tokens_out: int = 0
    tokens_cached: int = 0
    error: str | None = None  # why the LLM was not used, when it fell back to offline
    screening_answers: tuple[tuple[str, str], ...] = ()  # (question, answer)
    client_questions: tuple[str, ...] = ()
    suggested_bid: float | None = None
    rationale: str | None = None


class LLMError(Exception):
    """The LLM server failed or replied with something that is not a letter; names the server."""


class MalformedReply(LLMError):
    """The server answered, but not with the completion asked for; worth one more try."""


class Drafter(Protocol):
    """Writes one letter for a request; may raise on failure (callers fall back to offline).

    A drafter that holds connections also has ``async aclose()``; ``draft_all`` calls it. One
    bound by a shared limit also has ``reserve(count)``, an async context manager holding the
    limit's slots for a whole batch; ``draft_all`` enters it around the batch.
    """

    model: str

    async def draft(self, request: DraftRequest) -> DraftResult: ...
