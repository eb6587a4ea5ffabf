"""The ``length`` and ``not_specific`` checks: a letter a client will read to the end, written
for this job rather than for any job."""

from __future__ import annotations

import re
from collections.abc import Iterator

from rules.content_text import Context, Part

LENGTH = "length"
SPECIFIC = "not_specific"

# Upwork cuts a cover letter off at 5,000 characters and shows clients the first two lines in
# the list; under ~300 characters a letter cannot show it read the job, over ~3,000 it is rarely
# read to the end.
LETTER_MIN_CHARS = 300
LETTER_MAX_CHARS = 3_000
# A letter must share this many distinctive words with the job (title, skills, description).
MIN_SHARED_TERMS = 3
# Only the start of a very long description is read for terms: its point is stated early, and
# it bounds the work on a 50,000-character post.
JOB_TEXT_LIMIT = 6_000

_WORD = re.compile(r"[^\W\d_]{4,40}")
# Runs of Chinese/Japanese characters have no spaces; their two-character pieces stand in for
# words.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]{2,200}")
_STOPWORDS = frozenset(
    """able about above after again also been before being below best both build building built
    came client clients come could deliver does done each easy even every experience fast from
    further good great have hello help here hire hiring into just know like looking make many
    more most much must need needed needs only other over please project projects really same
    should some such sure team than thank thanks that their them then there these they thing
    this those through time very want well were what when where which while will with within
    work working would years your yours ready happy start started look looks developer
    expert expertise skills skilled proposal proposals able also hours week weeks days
    """.split()
)


def check_length(parts: list[Part], context: Context) -> Iterator[str]:
    """A reason when the letter is shorter or longer than a client will read."""
    del context
    letter = parts[0].text.strip()
    if len(letter) < LETTER_MIN_CHARS:
        yield (
            f"The letter has {len(letter):,} characters; write at least {LETTER_MIN_CHARS:,} so "
            "the client sees it was written for their job."
        )
    elif len(letter) > LETTER_MAX_CHARS:
        yield (
            f"The letter has {len(letter):,} characters; keep it under {LETTER_MAX_CHARS:,} "
            "so the client reads it to the end."
        )


def check_specific(parts: list[Part], context: Context) -> Iterator[str]:
    """A reason when the drafted text shares too few distinctive words with the job."""
    job_terms = terms(context.job_text[:JOB_TEXT_LIMIT]) | {
        skill.lower() for skill in context.job.skills
    }
    needed = min(MIN_SHARED_TERMS, len(job_terms))
    drafted = " ".join(part.text for part in parts).lower()
    shared = job_terms & (terms(drafted) | {s for s in job_terms if s in drafted})
    if len(shared) < needed:
        named = ", ".join(sorted(shared)) or "none"
        yield (
            f"The draft shares {len(shared)} distinctive words with the job ({named}); "
            f"a letter for this job should use at least {needed}."
        )


def terms(text: str) -> set[str]:
    """Distinctive words of lower-case ``text``: words of four letters or more that are not
    common English or proposal boilerplate, and two-character pieces of CJK runs."""
    words = {word for word in _WORD.findall(text) if word not in _STOPWORDS}
    for run in _CJK.findall(text):
        words.update(run[i : i + 2] for i in range(len(run) - 1))
    return words
