"""Keyword matching over a job's text: one job at a time, or a whole batch column-wise.

A term matches case-insensitively (ASCII letters) where it stands as a word: the characters
either side of it are not letters, digits or '_' (edges that are punctuation, like the '+' of
"c++", need no boundary). A phrase's words may be separated by any whitespace.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import chain, repeat

import numpy as np
import numpy.typing as npt

from bidflow.config.expression import And, Expr, Not, Term, parse_expression, terms_of
from bidflow.models import JobBase
from rules.term_scan import WORD_BYTE, bounded_ends, scan_terms, spans
from rules.values import job_columns

__all__ = ["Expr", "JobTexts", "haystack", "matches", "parse_expression", "terms_of"]

Mask = npt.NDArray[np.bool_]


def haystack(job: JobBase) -> bytes:
    """The text a job is searched in: title, description and skills, lower-cased bytes."""
    return _plain_text(job).encode().lower()


def _plain_text(job: JobBase) -> str:
    return _TEXT.format(job.title, job.description, " | ".join(job.skills))


_TEXT = "{}\n{}\n{}"


def searched_form(term: str) -> str:
    """The spelling a term is searched by: lower case, single spaces (as it matches)."""
    return " ".join(term.encode().lower().decode().split())


def has_term(text: bytes, term: str) -> bool:
    """Whether ``term`` stands as a word in ``text`` (from ``haystack``)."""
    before, after = bounded_ends(term)
    for start, end in spans(text, term):
        if before and start > 0 and WORD_BYTE[text[start - 1]]:
            continue
        if after and end < len(text) and WORD_BYTE[text[end]]:
            continue
        return True
    return False


def matches(expr: Expr, has: Callable[[str], bool]) -> bool:
    """Whether one job satisfies ``expr``, given which terms it has."""
    if isinstance(expr, Term):
        return has(expr.text)
    if isinstance(expr, Not):
        return not matches(expr.operand, has)
    if isinstance(expr, And):
        return all(matches(operand, has) for operand in expr.operands)
    return any(matches(operand, has) for operand in expr.operands)


class JobTexts:
    """A batch's texts joined into one byte string, so each distinct term is searched once
    per batch (a C-speed scan) rather than once per job."""

    def __init__(self, jobs: Sequence[JobBase]) -> None:
        # Every job's text ends with a NUL: not a word byte and not whitespace, so no match
        # spans two jobs. The pieces are encoded and joined as bytes in C-level iteration and
        # lower-cased at once: the same bytes ``haystack`` gives job by job.
        values = job_columns(jobs, ["title", "description", "skills"])
        pieces = zip(
            map(str.encode, values["title"]),
            repeat(b"\n"),
            map(str.encode, values["description"]),
            repeat(b"\n"),
            map(str.encode, map(" | ".join, values["skills"])),
            repeat(b"\x00"),
        )
        self.text = b"".join(chain.from_iterable(pieces)).lower()
        self.bytes = np.frombuffer(self.text, dtype=np.uint8)
        self.count = len(jobs)
        self.ends = np.flatnonzero(self.bytes == 0).astype(np.int64)
        if self.ends.size != self.count:  # a job's own text has a NUL: measure each
            lengths = np.fromiter((len(haystack(job)) + 1 for job in jobs), np.int64, self.count)
            self.ends = np.cumsum(lengths) - 1
        self.starts = np.concatenate(([0], self.ends[:-1] + 1)).astype(np.int64)[: self.count]
        self._columns: dict[str, Mask] = {}

    def text_of(self, index: int) -> bytes:
        """Job ``index``'s text, as ``haystack`` gives it."""
        return self.text[int(self.starts[index]) : int(self.ends[index])]

    def column(self, term: str) -> Mask:
        """For each job, whether ``term`` stands as a word in its text."""
        key = searched_form(term)
        found = self._columns.get(key)
        if found is None:
            self.find(term)
            found = self._columns[key]
        return found

    def has(self, index: int, term: str) -> bool:
        """Whether job ``index`` has ``term`` standing as a word."""
        return bool(self.column(term)[index])

    def find(self, *terms: str) -> None:
        """Search the batch for every term not searched yet, in one pass where possible.
        Spellings that match the same ("Python", "python") are searched once."""
        wanted = sorted({searched_form(term) for term in terms} - self._columns.keys())
        for key, at in zip(wanted, scan_terms(self.text, self.bytes, wanted), strict=True):
            hit = np.zeros(self.count, dtype=np.bool_)
            hit[np.searchsorted(self.starts, at, side="right") - 1] = True
            self._columns[key] = hit

    def evaluate(self, expr: Expr) -> Mask:
        """For each job, whether it satisfies ``expr``."""
        if isinstance(expr, Term):
            return self.column(expr.text)
        if isinstance(expr, Not):
            return ~self.evaluate(expr.operand)
        columns = [self.evaluate(operand) for operand in expr.operands]
        combine = np.logical_and if isinstance(expr, And) else np.logical_or
        return combine.reduce(columns) if columns else np.ones(self.count, dtype=np.bool_)
