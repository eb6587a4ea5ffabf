"""Versions of a proposal's letter: the first draft, each regeneration, each captured edit."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from bidflow.models import Proposal, ProposalVersion
from bidflow.store.events import events_for


def add_version(
    *,
    session: Session,
    proposal_id: int,
    version: int,
    text: str,
    kind: str,
    actor: str,
    instruction: str | None = None,
    model: str | None = None,
    flags: list[dict[str, str]] | None = None,
) -> ProposalVersion:
    """Append one version; written with the caller's transaction (``(proposal, version)`` is
    unique, so two writers cannot both add the same number)."""
    row = ProposalVersion(
        proposal_id=proposal_id,
        version=version,
        text=text,
        kind=kind,
        instruction=instruction,
        model=model,
        actor=actor,
        flags=flags or [],
    )
    session.add(row)
    session.flush()
    return row


def list_versions(*, session: Session, proposal_id: int) -> Sequence[ProposalVersion]:
    """Every version of the proposal's letter, oldest first."""
    query = (
        select(ProposalVersion)
        .where(ProposalVersion.proposal_id == proposal_id)
        .order_by(col(ProposalVersion.version))
    )
    return session.exec(query).all()


def capture_current_letter(*, session: Session, proposal: Proposal) -> int:
    """Make sure the history ends with the letter the proposal holds now, and return that
    version's number. Drafts queued before versions existed, and edits saved in place, are
    written into the history here, so a regeneration never loses the text it replaces."""
    if proposal.id is None:
        raise ValueError("the proposal has not been stored")
    history = list_versions(session=session, proposal_id=proposal.id)
    if not history:
        add_version(
            session=session,
            proposal_id=proposal.id,
            version=1,
            text=proposal.draft_text,
            kind="draft",
            actor="drafter",
            model=proposal.model,
            flags=list(proposal.flags),
        )
        last_number, last_text = 1, proposal.draft_text
    else:
        last_number, last_text = history[-1].version, history[-1].text
    current = proposal.final_text or proposal.draft_text
    if current == last_text:
        return last_number
    add_version(
        session=session,
        proposal_id=proposal.id,
        version=last_number + 1,
        text=current,
        kind="edited",
        actor=_last_editor(session, proposal.id),
    )
    return last_number + 1


def _last_editor(session: Session, proposal_id: int) -> str:
    events = events_for(session=session, entity="proposal", entity_id=proposal_id)
    editors = [event.actor for event in events if event.action == "edited"]
    return editors[-1] if editors else "reviewer"
