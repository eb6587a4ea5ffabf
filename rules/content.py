"""Content guardrails: every draft is checked before it is queued; each failed check is a flag
with a reason a reviewer can read. (Being built for issue 5; the checks land here.)"""

from __future__ import annotations

from dataclasses import dataclass, field

from bidflow.config import AgencyConfig, BidderConfig
from bidflow.models import JobBase


@dataclass(frozen=True)
class DraftContent:
    """What a drafter wrote for one job: the letter and the structured extras."""

    letter: str
    screening_answers: list[dict[str, str]] = field(default_factory=list)
    client_questions: list[str] = field(default_factory=list)


def check_draft(
    draft: DraftContent, job: JobBase, bidder: BidderConfig, agency: AgencyConfig
) -> list[dict[str, str]]:
    """Flags (``{"check": name, "reason": sentence}``) for every content rule the draft breaks."""
    return []
