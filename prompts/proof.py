"""Proof that fits: the few portfolio items most relevant to a job, not the whole portfolio.

Plain word overlap, weighted by where the item's word is: a tag is the bidder's own label for
the work, so it outweighs a title word, which outweighs a word of the summary. (No embeddings:
overlap is explainable to a reviewer and needs no model.)"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bidflow.config import PortfolioItem
from bidflow.models import JobBase

_WORD = re.compile(r"[a-z0-9][a-z0-9+#.-]*[a-z0-9+#]|[a-z0-9]")
# Words every posting and every summary has; matching on them would make everything "relevant".
_STOPWORDS = frozenset(
    "a an and are as at be by for from has have i in is it of on or our that the this to we with"
    " you your will need needs looking who can build built new help project work also more using"
    " into over all any some".split()
)
SKILL_TAG, TAG_WORD, TITLE_WORD, SUMMARY_WORD = 6, 3, 2, 1


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.casefold()) if w not in _STOPWORDS and len(w) > 1}


def relevance(job_skills: set[str], job_words: set[str], item: PortfolioItem) -> int:
    """How well ``item`` fits a job with these (casefolded) skills and words; 0: not at all.

    Each word counts once, at its strongest place (tag, then title, then summary)."""
    tags = {tag.casefold() for tag in item.tags}
    tag_words = _words(" ".join(item.tags))
    title_words = _words(item.title) - tag_words
    summary_words = _words(item.summary) - tag_words - title_words
    return (
        SKILL_TAG * len(tags & job_skills)
        + TAG_WORD * len(tag_words & job_words)
        + TITLE_WORD * len(title_words & job_words)
        + SUMMARY_WORD * len(summary_words & job_words)
    )


def relevant_portfolio(
    job: JobBase, items: Sequence[PortfolioItem], limit: int = 3
) -> list[PortfolioItem]:
    """Up to ``limit`` items, best fit first (equal fits keep the portfolio's order); items that
    share nothing with the job are left out, so a job may get none."""
    job_skills = {skill.casefold() for skill in job.skills}
    job_words = _words(" ".join([job.title, job.description, job.category or "", *job.skills]))
    scored = [(relevance(job_skills, job_words, item), n) for n, item in enumerate(items)]
    ranked = sorted((entry for entry in scored if entry[0] > 0), key=lambda e: (-e[0], e[1]))
    return [items[position] for _, position in ranked[:limit]]
