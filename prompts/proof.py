"""Proof that fits: the few portfolio items most relevant to a job, not the whole portfolio."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bidflow.config import PortfolioItem
from bidflow.models import JobBase

_WORD = re.compile(r"[a-z0-9][a-z0-9+#.-]*[a-z0-9+#]|[a-z0-9]")
_STOPWORDS = frozenset(
    "a an and are as at be by for from has have i in is it of on or our that the this to we with"
    " you your will need looking who can".split()
)


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.casefold()) if w not in _STOPWORDS and len(w) > 1}


def relevant_portfolio(
    job: JobBase, items: Sequence[PortfolioItem], limit: int = 3
) -> list[PortfolioItem]:
    """Up to ``limit`` items ranked by overlap with the job: a tag the job's skills name counts
    three, a word of a tag or title found in the job text one. Items with no overlap are left
    out."""
    job_skills = {skill.casefold() for skill in job.skills}
    job_words = _words(f"{job.title} {job.description} {job.category or ''}")
    scored: list[tuple[int, int, PortfolioItem]] = []
    for position, item in enumerate(items):
        tags = {tag.casefold() for tag in item.tags}
        item_words = _words(" ".join([item.title, *item.tags]))
        score = 3 * len(tags & job_skills) + len(item_words & job_words)
        if score:
            scored.append((score, -position, item))
    scored.sort(key=lambda entry: (entry[0], entry[1]), reverse=True)
    return [item for _, _, item in scored[:limit]]
