"""Who a reply alerts, who an unacknowledged one escalates to, and who hears of a failing feed."""

from __future__ import annotations

from bidflow.config import Role
from bidflow.models import User
from rules.alert_routing import escalation_recipients, owner_recipients, reply_recipients

ANA, BEN = 1, 2


def _user(email: str, role: Role, manages: list[int] | None = None) -> User:
    return User(email=email, name=email, role=role.value, manages=manages or [])


TEAM = [
    _user("ana-am@x.test", Role.ACCOUNT_MANAGER, [ANA]),
    _user("both-am@x.test", Role.ACCOUNT_MANAGER, [ANA, BEN]),
    _user("any-am@x.test", Role.ACCOUNT_MANAGER),
    _user("lead@x.test", Role.SALES_LEAD),
    _user("owner@x.test", Role.OWNER),
    _user("bidder@x.test", Role.BIDDER),
]
EVERYONE = [user.email for user in TEAM]


def test_the_managers_of_the_bidder_get_the_reply() -> None:
    assert reply_recipients(TEAM, bidder_id=ANA, reachable=EVERYONE) == [
        "ana-am@x.test",
        "both-am@x.test",
    ]
    assert reply_recipients(TEAM, bidder_id=BEN, reachable=EVERYONE) == ["both-am@x.test"]


def test_an_unmanaged_bidder_or_unmatched_reply_goes_to_unassigned_managers() -> None:
    assert reply_recipients(TEAM, bidder_id=3, reachable=EVERYONE) == ["any-am@x.test"]
    assert reply_recipients(TEAM, bidder_id=None, reachable=EVERYONE) == ["any-am@x.test"]


def test_without_reachable_managers_leads_then_owners_get_it() -> None:
    assert reply_recipients(TEAM, bidder_id=ANA, reachable=["lead@x.test", "owner@x.test"]) == [
        "lead@x.test"
    ]
    assert reply_recipients(TEAM, bidder_id=ANA, reachable=["OWNER@x.test"]) == ["owner@x.test"]
    assert reply_recipients(TEAM, bidder_id=ANA, reachable=["bidder@x.test"]) == []


def test_escalation_skips_whoever_already_has_the_reply() -> None:
    assert escalation_recipients(TEAM, reachable=EVERYONE, already_told=["ana-am@x.test"]) == [
        "lead@x.test"
    ]
    assert escalation_recipients(TEAM, reachable=EVERYONE, already_told=["lead@x.test"]) == [
        "owner@x.test"
    ]


def test_alerts_for_the_owners_go_to_reachable_owners_else_the_leads() -> None:
    assert owner_recipients(TEAM, reachable=EVERYONE) == ["owner@x.test"]
    assert owner_recipients(TEAM, reachable=["ana-am@x.test", "LEAD@x.test"]) == ["lead@x.test"]
    assert owner_recipients(TEAM, reachable=["ana-am@x.test", "any-am@x.test"]) == []
