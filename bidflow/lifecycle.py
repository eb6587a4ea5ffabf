"""The proposal lifecycle: which status may follow which.

queued -> approved | rejected; approved -> sent; sent -> viewed -> replied -> interviewing ->
offer -> hired; and, once sent, declined | withdrawn | job_closed | expired at any point before
an end. Every move is recorded as an event by ``bidflow.store.proposals.transition``.
"""

from __future__ import annotations

from bidflow.errors import TransitionError
from bidflow.models import ProposalStatus as S

_AFTER_SEND_ENDINGS = {S.DECLINED, S.WITHDRAWN, S.JOB_CLOSED, S.EXPIRED}

ALLOWED: dict[S, frozenset[S]] = {
    S.QUEUED: frozenset({S.APPROVED, S.REJECTED, S.EXPIRED, S.JOB_CLOSED}),
    S.APPROVED: frozenset({S.SENT, S.QUEUED, S.REJECTED, S.EXPIRED, S.JOB_CLOSED}),
    S.SENT: frozenset(
        {S.VIEWED, S.REPLIED, S.INTERVIEWING, S.OFFER, S.HIRED} | _AFTER_SEND_ENDINGS
    ),
    S.VIEWED: frozenset({S.REPLIED, S.INTERVIEWING, S.OFFER, S.HIRED} | _AFTER_SEND_ENDINGS),
    S.REPLIED: frozenset({S.INTERVIEWING, S.OFFER, S.HIRED} | _AFTER_SEND_ENDINGS),
    S.INTERVIEWING: frozenset({S.OFFER, S.HIRED} | _AFTER_SEND_ENDINGS),
    S.OFFER: frozenset({S.HIRED} | _AFTER_SEND_ENDINGS),
    S.HIRED: frozenset(),
    S.REJECTED: frozenset({S.QUEUED}),  # a reviewer may take a rejection back
    S.DECLINED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.JOB_CLOSED: frozenset(),
    S.EXPIRED: frozenset(),
}

# Statuses a proposal passes through on the way to a later one, for funnels: a hire was also sent.
REACHED_BEFORE: dict[S, tuple[S, ...]] = {
    S.SENT: (S.APPROVED,),
    S.VIEWED: (S.APPROVED, S.SENT),
    S.REPLIED: (S.APPROVED, S.SENT),
    S.INTERVIEWING: (S.APPROVED, S.SENT, S.REPLIED),
    S.OFFER: (S.APPROVED, S.SENT, S.REPLIED),
    S.HIRED: (S.APPROVED, S.SENT, S.REPLIED),
}


def check_transition(current: str, target: str) -> S:
    """``target`` as a status if a proposal at ``current`` may move there; else TransitionError."""
    try:
        now, then = S(current), S(target)
    except ValueError:
        known = ", ".join(s.value for s in S)
        raise TransitionError(f"'{target}' is not a proposal status; use one of {known}") from None
    if then not in ALLOWED[now]:
        allowed = ", ".join(sorted(s.value for s in ALLOWED[now])) or "nothing (it has ended)"
        raise TransitionError(
            f"the proposal is {now.value} and cannot become {then.value}; it can become {allowed}"
        )
    return then
