"""Counts per pipeline stage, for ``bidflow status`` and the web app."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func
from sqlmodel import Session, col, select

from bidflow.models import Alert, Decision, FollowUp, Job, Proposal, ProposalStatus
from bidflow.store.followups import count_due_follow_ups
from bidflow.types import utcnow

# Alert statuses still to go out: due, held for quiet hours, or being delivered right now.
UNDELIVERED_ALERTS = ("pending", "held", "sending")


@dataclass(frozen=True)
class PipelineStatus:
    """How much is at each stage right now."""

    jobs: int
    jobs_untriaged: int
    decisions_passed: int
    decisions_failed: int
    jobs_routed: int
    routed_waiting_for_draft: int
    proposals: dict[str, int] = field(default_factory=dict)
    follow_ups: dict[str, int] = field(default_factory=dict)
    alerts: dict[str, int] = field(default_factory=dict)
    oldest_unreviewed_draft_at: datetime | None = None
    follow_ups_due: int = 0

    @property
    def oldest_unreviewed_age_s(self) -> float | None:
        if self.oldest_unreviewed_draft_at is None:
            return None
        return (utcnow() - self.oldest_unreviewed_draft_at).total_seconds()

    def backlog(self) -> dict[str, Any]:
        """What waits at each stage: for a flow, or for a person (the drafts to review)."""
        return {
            "jobs_untriaged": self.jobs_untriaged,
            "routed_waiting_for_draft": self.routed_waiting_for_draft,
            "drafts_waiting_for_review": self.proposals.get(ProposalStatus.QUEUED, 0),
            "follow_ups_waiting_for_review": self.follow_ups.get("queued", 0),
            "oldest_draft_age_s": self.oldest_unreviewed_age_s,
            "follow_ups_due": self.follow_ups_due,
            "alerts_pending": sum(self.alerts.get(status, 0) for status in UNDELIVERED_ALERTS),
        }

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["oldest_unreviewed_draft_at"] = (
            self.oldest_unreviewed_draft_at.isoformat() if self.oldest_unreviewed_draft_at else None
        )
        data["oldest_unreviewed_age_s"] = self.oldest_unreviewed_age_s
        # The same age in both places, not two readings of the clock.
        data["backlog"] = self.backlog() | {"oldest_draft_age_s": data["oldest_unreviewed_age_s"]}
        return data


def _grouped(session: Session, column: Any) -> dict[str, int]:
    rows = session.execute(select(column, func.count()).group_by(column)).all()
    return {str(key): int(count) for key, count in rows}


def pipeline_status(*, session: Session, now: datetime | None = None) -> PipelineStatus:
    """Counts per stage and the oldest draft still waiting for a person."""

    def count(query: Any) -> int:
        return int(session.execute(query).scalar_one())

    decided = exists().where(col(Decision.job_id) == col(Job.id))
    drafted = exists().where(col(Proposal.job_id) == col(Decision.job_id))
    routed = select(func.count()).select_from(Decision).where(col(Decision.routed))
    return PipelineStatus(
        jobs=count(select(func.count()).select_from(Job)),
        jobs_untriaged=count(select(func.count()).select_from(Job).where(~decided)),
        decisions_passed=count(
            select(func.count()).select_from(Decision).where(col(Decision.passed))
        ),
        decisions_failed=count(
            select(func.count()).select_from(Decision).where(~col(Decision.passed))
        ),
        jobs_routed=count(routed),
        routed_waiting_for_draft=count(routed.where(~drafted)),
        proposals=_grouped(session, Proposal.status),
        follow_ups=_grouped(session, FollowUp.status),
        alerts=_grouped(session, Alert.status),
        oldest_unreviewed_draft_at=session.execute(
            select(func.min(Proposal.created_at)).where(Proposal.status == ProposalStatus.QUEUED)
        ).scalar_one(),
        follow_ups_due=count_due_follow_ups(session=session, now=now or utcnow()),
    )
