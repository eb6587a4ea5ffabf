"""Content guardrails for follow-ups: every check a proposal's letter gets (contact details,
off-platform talk, invented claims, obeyed injections, written for this job), except that a
follow-up is meant to be a short note, so its length is judged against a note's bounds rather
than a cover letter's."""

from __future__ import annotations

from bidflow.config import AgencyConfig, BidderConfig
from bidflow.models import JobBase
from rules.content import DraftContent, check_draft
from rules.content_fit import LENGTH
from rules.content_text import flag

# The prompt asks for 40 to 80 words (about 220 to 520 characters). Under ~20 words a note
# cannot add anything useful; past ~200 it is a second proposal, which clients skip.
FOLLOW_UP_MIN_CHARS = 120
FOLLOW_UP_MAX_CHARS = 1_200


def check_follow_up(
    text: str, job: JobBase, bidder: BidderConfig, agency: AgencyConfig
) -> list[dict[str, str]]:
    """Flags (``{"check": name, "reason": sentence}``) for every content rule the follow-up
    letter ``text`` breaks; ``job`` is the proposal's job, ``bidder`` who sent it."""
    found = check_draft(DraftContent(letter=text), job, bidder, agency)
    flags = [entry for entry in found if entry.get("check") != LENGTH]
    if reason := length_problem(text):
        flags.append(flag(LENGTH, reason))
    return flags


def length_problem(text: str) -> str | None:
    """Why the follow-up is too short or too long to send, or None."""
    size = len(text.strip())
    if size < FOLLOW_UP_MIN_CHARS:
        return (
            f"The follow-up has {size:,} characters; write at least {FOLLOW_UP_MIN_CHARS:,} so"
            " it adds something to the proposal."
        )
    if size > FOLLOW_UP_MAX_CHARS:
        return (
            f"The follow-up has {size:,} characters; keep it under {FOLLOW_UP_MAX_CHARS:,}:"
            " a follow-up is a short note, not a second proposal."
        )
    return None
