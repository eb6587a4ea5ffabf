"""The review queue: every proposal waiting for a person, one card each, most urgent first,
narrowed by the filters in the page's address (``?bidder=&source=&flag=``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse

from bidflow.config import Role
from bidflow.config.rulesets import PROPOSAL_BUCKETS
from bidflow.models import Job, Proposal
from bidflow.store.decisions import triage_reasons
from bidflow.store.proposals import (
    ReviewRow,
    content_flags,
    review_counts,
    review_facets,
    review_rows,
)
from bidflow.types import utcnow
from web.auth import SenderDep, SignedIn, UserDep
from web.cards import build_card
from web.deps import SessionDep
from web.followup_cards import queue_follow_up_cards
from web.templating import templates

router = APIRouter(tags=["queue"])

# The flag filter's two catch-alls; any other value is a check name ("placeholder", ...).
ANY_FLAG = "any"  # a flag that blocks approval without an override reason
NO_FLAG = "none"  # nothing that blocks approval (notices such as "offline" may be there)

# Urgency, highest first (also in docs/review-desk.md, "Ordering"):
#
#     urgency = 0.6 × freshness + 0.25 × triage score + 0.15 × openness
#
#   freshness = 0.5 ** (minutes since posted / 60): 1 when just posted, halving every hour
#               (0 when the posting time is unknown; a time in the future counts as now)
#   triage score = the job's score for the bidder, 0–1 (0.5 when it was never triaged)
#   openness = 1 − bucket position / 5 over "Less than 5", "5 to 10", … "50+": 1, 0.8, … 0
#              (0.5 when the bucket is unknown or not one of these)
#
# Ties go to the newer posting, then the older proposal. Freshness weighs most because a
# proposal sent in a job's first hour is the one a client reads; among jobs of the same age the
# better fit comes first, then the one fewer freelancers have already bid on. With these weights
# a job posted now outranks one posted an hour ago however well that one scores.
FRESHNESS_WEIGHT = 0.6
SCORE_WEIGHT = 0.25
OPENNESS_WEIGHT = 0.15
FRESHNESS_HALF_LIFE_MIN = 60.0
UNKNOWN_SHARE = 0.5  # a score or bucket the desk does not know counts as middling
_OPENNESS = {
    bucket: 1 - position / (len(PROPOSAL_BUCKETS) - 1)
    for position, bucket in enumerate(PROPOSAL_BUCKETS)
}


@dataclass(frozen=True)
class QueueFilters:
    """The queue's filters as given in the address; an empty string means "any"."""

    bidder: str = ""
    source: str = ""
    flag: str = ""

    @property
    def active(self) -> bool:
        return bool(self.bidder or self.source or self.flag)

    def query_string(self) -> str:
        """The filters as an address query ("bidder=Ana&flag=any"), leaving out empty ones."""
        pairs = {"bidder": self.bidder, "source": self.source, "flag": self.flag}
        return urlencode({name: value for name, value in pairs.items() if value})


FilterParam = Annotated[str, Query(max_length=200)]


@router.get("/", include_in_schema=False)
def home(user: UserDep) -> RedirectResponse:
    """Each role's own page: account managers live in the inbox, everyone else in the queue."""
    target = "/inbox" if user.role is Role.ACCOUNT_MANAGER else "/queue"
    return RedirectResponse(target, status_code=303)


@router.get("/queue")
def queue_page(
    request: Request,
    session: SessionDep,
    user: SenderDep,
    bidder: FilterParam = "",
    source: FilterParam = "",
    flag: FilterParam = "",
) -> Response:
    """Drafts to review and approved proposals to send, most urgent first (a bidder sees their
    own), narrowed by the filters."""
    now = utcnow()
    own = _own_bidder(user)
    filters = QueueFilters(bidder=bidder.strip(), source=source.strip(), flag=flag.strip())
    rows = review_rows(
        session=session,
        bidder_id=own,
        bidder_name=filters.bidder or None,
        source=filters.source or None,
    )
    rows = by_urgency([row for row in rows if has_flag(row[0], filters.flag)], now=now)
    reasons = triage_reasons(session=session, pairs=[(p.job_id, p.bidder_id) for p, *_ in rows])
    cards = [
        build_card(p, job, bidder, now=now, reasons=reasons.get((p.job_id, p.bidder_id), []))
        for p, job, bidder, _ in rows
    ]
    context = {
        "cards": cards,
        "follow_ups": queue_follow_up_cards(
            session,
            own_bidder=own,
            bidder=filters.bidder,
            source=filters.source,
            flag=filters.flag,
            now=now,
        ),
        "filters": filters,
        "facets": review_facets(session=session, bidder_id=own),
        "choose_bidder": own is None,  # a bidder's queue holds only their own proposals
        # The counts line covers the whole queue, as its refresh after each action does.
        **review_counts(session=session, bidder_id=own),
    }
    return templates.TemplateResponse(request, "queue.html", context)


@router.get("/queue/summary")
def queue_summary(request: Request, session: SessionDep, user: SenderDep) -> Response:
    """The queue's counts line, which htmx reloads after every successful action on a card."""
    counts = review_counts(session=session, bidder_id=_own_bidder(user))
    return templates.TemplateResponse(request, "partials/summary_refresh.html", counts)


def _own_bidder(user: SignedIn) -> int | None:
    """The bidder whose proposals alone ``user`` may see, or None for reviewers (all of them).
    A bidder user not linked to a bidder sees nothing: -1 matches no bidder."""
    if user.role is not Role.BIDDER:
        return None
    return user.bidder_id if user.bidder_id is not None else -1


def has_flag(proposal: Proposal, flag: str) -> bool:
    """Whether ``proposal`` passes the flag filter: "" (any proposal), ``ANY_FLAG``,
    ``NO_FLAG``, or a check name the proposal was flagged with."""
    if not flag:
        return True
    if flag == ANY_FLAG:
        return bool(content_flags(proposal))
    if flag == NO_FLAG:
        return not content_flags(proposal)
    return any(entry.get("check") == flag for entry in proposal.flags)


def by_urgency(rows: Iterable[ReviewRow], *, now: datetime) -> list[ReviewRow]:
    """``rows`` most urgent first (see the formula above), ties to the newer posting, then the
    older proposal."""

    def key(row: ReviewRow) -> tuple[float, float, int]:
        proposal, job, _, score = row
        posted = job.posted_at.timestamp() if job.posted_at else float("-inf")
        return (-urgency(job, score, now=now), -posted, proposal.id or 0)

    return sorted(rows, key=key)


def urgency(job: Job, score: float | None, *, now: datetime) -> float:
    """How urgently the job's draft needs a reviewer, 0–1 (the formula above)."""
    return (
        FRESHNESS_WEIGHT * freshness(job.posted_at, now=now)
        + SCORE_WEIGHT * (UNKNOWN_SHARE if score is None else min(max(score, 0.0), 1.0))
        + OPENNESS_WEIGHT * openness(job.proposals_bucket)
    )


def freshness(posted_at: datetime | None, *, now: datetime) -> float:
    """1 for a job posted now, halving every ``FRESHNESS_HALF_LIFE_MIN``; 0 when unknown."""
    if posted_at is None:
        return 0.0
    minutes = max((now - posted_at).total_seconds() / 60, 0.0)
    return float(0.5 ** (minutes / FRESHNESS_HALF_LIFE_MIN))


def openness(bucket: str | None) -> float:
    """1 for the fewest competing proposals ("Less than 5") down to 0 for "50+"."""
    return _OPENNESS.get(bucket or "", UNKNOWN_SHARE)
