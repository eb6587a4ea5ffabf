"""Content guardrails: every draft is checked before it is queued; each failed check is a flag
with a reason a reviewer can read, quoting the offending snippet.

The checks, one module each: ``contact_details`` (rules/content_contact.py), ``off_platform``
(content_offplatform.py), ``unsupported_claim`` (content_claims.py), ``length`` and
``not_specific`` (content_fit.py), ``injection_obeyed`` (content_injection.py). A flag blocks
approval until a reviewer overrides it with a reason (bidflow/store/proposals.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bidflow.config import AgencyConfig, BidderConfig
from bidflow.models import JobBase
from rules import (
    content_claims,
    content_contact,
    content_fit,
    content_injection,
    content_offplatform,
)
from rules.content_text import (
    Context,
    Part,
    allowed_hosts,
    flag,
    job_text,
    profile_text,
)

# One reason per check is enough to block approval; more than this many only crowd the card.
MAX_REASONS_PER_CHECK = 3


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
    del agency  # nothing agency-wide shapes these checks yet; kept for the flow's call
    context = Context(
        job=job,
        job_text=job_text(job),
        profile_text=profile_text(bidder),
        allowed_hosts=allowed_hosts(bidder),
    )
    parts = drafted_parts(draft)
    contact = list(content_contact.check(parts, context))
    found = {
        content_contact.CHECK: contact,
        content_offplatform.CHECK: list(content_offplatform.check(parts, context)),
        content_claims.CHECK: list(content_claims.check(parts, context)),
        content_fit.LENGTH: list(content_fit.check_length(parts, context)),
        content_fit.SPECIFIC: list(content_fit.check_specific(parts, context)),
        content_injection.CHECK: list(
            content_injection.check(parts, context, contact_found=bool(contact))
        ),
    }
    return [
        flag(check, reason)
        for check, reasons in found.items()
        for reason in list(dict.fromkeys(reasons))[:MAX_REASONS_PER_CHECK]
    ]


def drafted_parts(draft: DraftContent) -> list[Part]:
    """The texts the drafter wrote, letter first. A screening question is the client's text,
    so only its answer is checked."""
    parts = [Part("The letter", draft.letter)]
    for number, answer in enumerate(draft.screening_answers, start=1):
        # The answer's key is "answer"; any other non-question value is checked too, so a
        # differently shaped answer is never waved through.
        text = "\n".join(value for key, value in answer.items() if key != "question")
        parts.append(Part(f"Screening answer {number}", text))
    for number, question in enumerate(draft.client_questions, start=1):
        parts.append(Part(f"Client question {number}", question))
    return parts
