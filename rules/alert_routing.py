"""Who is alerted about a client's reply, and who an unacknowledged alert escalates to.

A reply on a proposal goes to the account managers who manage the proposal's bidder; when
none does, to the account managers with no assignment (they look after every client); when
there are none either, to the sales leads, and as a last resort to the owners, so a reply never
goes unnoticed. Only reachable people count (those with alert channels): routing to someone
the notifier cannot reach would drop the alert silently.

Alerts about the agency's own machinery (a feed failing) go to the owners, else the sales leads.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from bidflow.config import Role
from bidflow.models import User


def reply_recipients(
    users: Sequence[User], *, bidder_id: int | None, reachable: Collection[str]
) -> list[str]:
    """The emails alerted about a reply on a proposal of ``bidder_id`` (None: a reply matched
    to no proposal yet, which is every unassigned account manager's)."""
    people = [user for user in users if user.email.casefold() in _folded(reachable)]
    managers = [user for user in people if user.role == Role.ACCOUNT_MANAGER]
    tiers = [
        [user for user in managers if bidder_id is not None and bidder_id in user.manages],
        [user for user in managers if not user.manages],
        *_leads_then_owners(people),
    ]
    return _first_non_empty(tiers)


def escalation_recipients(
    users: Sequence[User], *, reachable: Collection[str], already_told: Collection[str]
) -> list[str]:
    """The sales leads (else owners) an unacknowledged alert goes to, leaving out whoever
    already has it: a lead who got the reply in the first place gains nothing from a repeat."""
    told = _folded(already_told)
    people = [
        user
        for user in users
        if user.email.casefold() in _folded(reachable) and user.email.casefold() not in told
    ]
    return _first_non_empty(_leads_then_owners(people))


def owner_recipients(users: Sequence[User], *, reachable: Collection[str]) -> list[str]:
    """The emails an alert for the owners goes to (a feed failing): the reachable owners, else
    the sales leads, so a broken feed is never noticed by nobody."""
    people = [user for user in users if user.email.casefold() in _folded(reachable)]
    leads, owners = _leads_then_owners(people)
    return _first_non_empty([owners, leads])


def _leads_then_owners(people: Sequence[User]) -> list[list[User]]:
    return [
        [user for user in people if user.role == Role.SALES_LEAD],
        [user for user in people if user.role == Role.OWNER],
    ]


def _first_non_empty(tiers: Sequence[Sequence[User]]) -> list[str]:
    for tier in tiers:
        if tier:
            return sorted(user.email for user in tier)
    return []


def _folded(emails: Collection[str]) -> set[str]:
    return {email.strip().casefold() for email in emails}
