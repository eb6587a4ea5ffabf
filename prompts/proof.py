"""Proof that fits: the few portfolio items most relevant to a job, not the whole portfolio.

By default, plain word overlap, weighted by where the item's word is: a tag is the bidder's own
label for the work, so it outweighs a title word, which outweighs a word of the summary; it is
explainable to a reviewer and needs no model. With an embedding model configured, similarity of
meaning ranks first ("online shop" fits "e-commerce store", which shares no word with it) and
overlap breaks ties; the vectors come from ``connectors.embeddings``."""

from __future__ import annotations

import math
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
# Enough for the gist of a posting (title and skills come first), and far under any model's limit.
JOB_TEXT_LIMIT = 2_000
# Below this cosine an item is not about the job: with OpenAI's text-embedding-3 models unrelated
# texts score about 0.0-0.25 and related ones 0.35 and up.
SIMILARITY_FLOOR = 0.3
# Similarities this close are a tie, which word overlap then breaks.
SIMILARITY_STEP = 0.02


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
    job_skills, job_words = _terms(job)
    scored = [(relevance(job_skills, job_words, item), n) for n, item in enumerate(items)]
    ranked = sorted((entry for entry in scored if entry[0] > 0), key=lambda e: (-e[0], e[1]))
    return [items[position] for _, position in ranked[:limit]]


def similar_portfolio(
    job: JobBase,
    job_vector: Sequence[float],
    items: Sequence[PortfolioItem],
    item_vectors: Sequence[Sequence[float]],
    limit: int = 3,
) -> list[PortfolioItem]:
    """Up to ``limit`` items whose vectors are at least ``SIMILARITY_FLOOR`` similar to the
    job's, most similar first; near-equal similarities go by word overlap, then portfolio order.
    Items below the floor are left out, so a job may get none."""
    job_skills, job_words = _terms(job)
    scored = []
    for n, (item, vector) in enumerate(zip(items, item_vectors, strict=True)):
        similarity = cosine(job_vector, vector)
        if similarity >= SIMILARITY_FLOOR:
            step = math.floor(similarity / SIMILARITY_STEP)
            scored.append((-step, -relevance(job_skills, job_words, item), n))
    return [items[n] for *_, n in sorted(scored)[:limit]]


def job_text(job: JobBase) -> str:
    """What a job's vector is made from: title, skills, then description, cut to a sane size."""
    return "\n".join([job.title, ", ".join(job.skills), job.description])[:JOB_TEXT_LIMIT]


def item_text(item: PortfolioItem) -> str:
    """What a portfolio item's vector is made from: title, summary and tags."""
    return "\n".join([item.title, item.summary, ", ".join(item.tags)])


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity of two vectors of one length; 0.0 when either is all zeros."""
    if len(a) != len(b):
        raise ValueError(f"vectors of {len(a)} and {len(b)} dimensions cannot be compared")
    norms = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return sum(x * y for x, y in zip(a, b, strict=True)) / norms if norms else 0.0


def _terms(job: JobBase) -> tuple[set[str], set[str]]:
    """The job's casefolded skills, and its distinctive words (title, description, category)."""
    job_skills = {skill.casefold() for skill in job.skills}
    job_words = _words(" ".join([job.title, job.description, job.category or "", *job.skills]))
    return job_skills, job_words
