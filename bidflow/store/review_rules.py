"""What every reviewed letter (a proposal or a follow-up) must satisfy before it changes: an
edit leaves a letter, and a flagged letter is approved only with a reason for overriding. And
how the desk narrows either queue to one bidder or one source."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, Self, TypeVar

from sqlmodel import col

from bidflow.errors import TransitionError
from bidflow.models import Bidder, Job, Proposal


class _Filterable(Protocol):
    def where(self, *whereclause: Any) -> Self: ...


Query = TypeVar("Query", bound=_Filterable)


def narrowed(
    query: Query, *, bidder_id: int | None, bidder_name: str | None, source: str | None
) -> Query:
    """``query`` (joined to Proposal, Bidder and Job) kept to ``bidder_id``'s or
    ``bidder_name``'s letters and to jobs from ``source``, each when given."""
    if bidder_id is not None:
        query = query.where(col(Proposal.bidder_id) == bidder_id)
    if bidder_name is not None:
        query = query.where(col(Bidder.name) == bidder_name)
    if source is not None:
        query = query.where(col(Job.source) == source)
    return query


def edited_letter(text: str, *, what: str) -> str:
    """``text`` trimmed; refused when nothing is left (``what``: "the draft", "the follow-up")."""
    cleaned = text.strip()
    if not cleaned:
        raise TransitionError(f"the letter is empty; write something or reject {what}")
    return cleaned


def override_reason_for(
    flags: Sequence[dict[str, str]], override_reason: str | None, *, what: str
) -> str:
    """The reviewer's reason for approving despite ``flags``; refused when flags block and no
    reason was given, naming the checks that flagged ``what``."""
    reason = (override_reason or "").strip()
    if flags and not reason:
        checks = ", ".join(sorted({flag.get("check", "check") for flag in flags}))
        raise TransitionError(
            f"{what} is flagged ({checks}); approve it only with a reason for overriding"
            " the flags, or reject it"
        )
    return reason
