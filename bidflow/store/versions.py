"""Versions of a proposal's letter: the first draft, each edit, each regeneration. Written by
the store functions that change a letter, in their transaction, so history never lags."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import Session, col, select

from bidflow.models import Proposal, ProposalVersion


def record_letter(
    *,
    session: Session,
    proposal: Proposal,
    text: str,
    kind: str,
    actor: str,
    instruction: str | None = None,
    model: str | None = None,
    flags: list[dict[str, str]] | None = None,
) -> int:
    """Append ``text`` as the proposal's next version and make it the current one; returns its
    number. ``(proposal, version)`` is unique, so two writers cannot add the same number."""
    if proposal.id is None:
        raise ValueError("the proposal has not been stored")
    # A first draft starts the history; anything else follows what the proposal held before.
    number = 1 if kind == "draft" else _last_version(session, proposal) + 1
    _add(session, proposal.id, number, text, kind, actor, instruction, model, flags or [])
    proposal.version = number
    session.add(proposal)
    return number


def _last_version(session: Session, proposal: Proposal) -> int:
    """The newest version number. A proposal queued before versions existed gets its draft
    (and an edit saved over it) written into the history first, so nothing it held is lost."""
    assert proposal.id is not None
    query = select(func.max(ProposalVersion.version)).where(
        ProposalVersion.proposal_id == proposal.id
    )
    last = session.exec(query).one()
    if last is not None:
        return int(last)
    legacy = [(proposal.draft_text, "draft", "drafter")]
    if proposal.final_text and proposal.final_text != proposal.draft_text:
        legacy.append((proposal.final_text, "edited", proposal.reviewer or "reviewer"))
    for number, (text, kind, actor) in enumerate(legacy, start=1):
        drafted = kind == "draft"
        model = proposal.model if drafted else None
        flags = list(proposal.flags) if drafted else []
        _add(session, proposal.id, number, text, kind, actor, None, model, flags)
    return len(legacy)


def _add(
    session: Session,
    proposal_id: int,
    number: int,
    text: str,
    kind: str,
    actor: str,
    instruction: str | None,
    model: str | None,
    flags: list[dict[str, str]],
) -> None:
    session.add(
        ProposalVersion(
            proposal_id=proposal_id,
            version=number,
            text=text,
            kind=kind,
            instruction=instruction,
            model=model,
            actor=actor,
            flags=flags,
        )
    )
    session.flush()


def list_versions(*, session: Session, proposal_id: int) -> Sequence[ProposalVersion]:
    """Every version of the proposal's letter, oldest first."""
    query = (
        select(ProposalVersion)
        .where(ProposalVersion.proposal_id == proposal_id)
        .order_by(col(ProposalVersion.version))
    )
    return session.exec(query).all()
