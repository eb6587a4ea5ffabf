"""Follow-up cards: a drafted follow-up as the review desk shows it, with the proposal it
follows (the letter sent, how long ago) and its job, already in display form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bidflow.models import Bidder, FollowUp, Job, Proposal
from bidflow.store.followup_review import blocking_flags, follow_ups_for_review, letter_of
from bidflow.store.followups import APPROVED, UNDER_REVIEW
from web.cards import Flag
from web.links import web_link

# The queue's flag filter (web/routes/queue.py) says "any" for a flag that blocks approval and
# "none" for nothing blocking; any other value names a check.
ANY_FLAG = "any"
NO_FLAG = "none"


@dataclass(frozen=True)
class FollowUpCard:
    """One drafted follow-up with its proposal and job, as strings ready to show."""

    id: int
    sequence: int
    status: str
    proposal_id: int
    title: str  # the job's: a stranger's text
    url: str | None  # only http(s) links
    bidder: str
    source: str
    original: str  # the proposal's letter as it was sent
    sent_days_ago: str  # "3 days ago", "today"
    sent_iso: str | None
    letter: str  # the reviewer's edit if there is one, else the draft
    offline: bool
    flags: list[Flag]
    blocking: bool  # a flag other than the offline notice: approving needs a reason
    reviewer: str | None
    reject_reason: str | None
    sent_at: datetime | None  # when a person marked the follow-up sent


def build_follow_up_card(
    follow_up: FollowUp, proposal: Proposal, job: Job, bidder: Bidder, *, now: datetime
) -> FollowUpCard:
    """The card of one stored follow-up, as seen at ``now``."""
    if follow_up.id is None or proposal.id is None:
        raise ValueError("only stored follow-ups have cards")
    sent = proposal.sent_at
    return FollowUpCard(
        id=follow_up.id,
        sequence=follow_up.sequence,
        status=follow_up.status,
        proposal_id=proposal.id,
        title=job.title,
        url=web_link(job.url),
        bidder=bidder.name,
        source=job.source,
        original=proposal.final_text or proposal.draft_text,
        sent_days_ago="on an unknown day" if sent is None else days_ago(sent, now=now),
        sent_iso=None if sent is None else sent.replace(microsecond=0).isoformat(),
        letter=letter_of(follow_up),
        offline=follow_up.offline,
        flags=[
            Flag(check=str(flag.get("check", "check")), reason=str(flag.get("reason", "")))
            for flag in follow_up.flags
        ],
        blocking=bool(blocking_flags(follow_up)),
        reviewer=follow_up.reviewer,
        reject_reason=follow_up.reject_reason,
        sent_at=follow_up.sent_at,
    )


def queue_follow_up_cards(
    session: Session,
    *,
    own_bidder: int | None,
    bidder: str,
    source: str,
    flag: str,
    now: datetime,
) -> list[FollowUpCard]:
    """The follow-up cards of the review queue, narrowed by the queue's filters ("" is any).
    Reviewers (``own_bidder`` None) see drafts to review and approved ones to send; a bidder
    sees their own approved ones, to send."""
    rows = follow_ups_for_review(
        session=session,
        statuses=UNDER_REVIEW if own_bidder is None else (APPROVED,),
        bidder_id=own_bidder,
        bidder_name=bidder or None,
        source=source or None,
    )
    cards = [build_follow_up_card(*row, now=now) for row in rows]
    return [card for card in cards if passes_flag_filter(card, flag)]


def passes_flag_filter(card: FollowUpCard, flag: str) -> bool:
    """Whether ``card`` passes the queue's flag filter."""
    if not flag:
        return True
    if flag == ANY_FLAG:
        return card.blocking
    if flag == NO_FLAG:
        return not card.blocking
    return any(entry.check == flag for entry in card.flags)


def days_ago(when: datetime, *, now: datetime) -> str:
    """Whole days before ``now``: "today", "1 day ago", "3 days ago"."""
    days = max(0, (now - when).days)
    if days == 0:
        return "today"
    return "1 day ago" if days == 1 else f"{days} days ago"
