"""Finding terms in a batch's joined text: every term in one pass with Hyperscan, else one
``re`` scan per term.

A term is found where it stands as a word (see ``rules.expression``): its regex finds candidate
occurrences and the bytes either side are checked afterwards, with numpy, for the whole batch.
Hyperscan (a multi-pattern regex engine; wheels for Linux x86-64, macOS and Windows) reads the
text once for all terms, about 15x faster than one ``re`` scan per term; where it is not
installed, or cannot compile a term, the ``re`` scan gives the same answer.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt


def _optional(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:  # platforms without a wheel (e.g. Linux on ARM)
        return None


hyperscan = _optional("hyperscan")

Offsets = npt.NDArray[np.int64]
WORD_BYTE = np.zeros(256, dtype=np.bool_)
for _byte in b"abcdefghijklmnopqrstuvwxyz0123456789_":
    WORD_BYTE[_byte] = True
# What ``\s`` means in a bytes regex; written out so both engines read it the same way.
_SPACE = rb"[\x20\x09-\x0d]+"


def term_body(term: str) -> bytes:
    """The regex of ``term`` without boundaries: lower-cased words, any whitespace between."""
    return _SPACE.join(re.escape(word) for word in term.encode().lower().split())


def bounded_ends(term: str) -> tuple[bool, bool]:
    """Whether the byte before and the byte after an occurrence must be non-word bytes
    (edges that are punctuation, like the '+' of "c++", need no boundary)."""
    lowered = term.encode().lower().strip()
    return bool(WORD_BYTE[lowered[0]]), bool(WORD_BYTE[lowered[-1]])


@lru_cache(maxsize=4096)
def occurrence_pattern(term: str) -> re.Pattern[bytes]:
    """A regex whose matches start at every candidate occurrence of ``term``.

    Plain matches cannot overlap, so a term that can overlap itself and stand as a word both
    times ("a.a" in "xa.a.a") is wrapped in a lookahead to see every start. Other terms are
    not: a lookahead stops the regex engine from skipping ahead to the term's literal prefix
    (~25x slower).
    """
    body = term_body(term)
    return re.compile(rb"(?=" + body + rb")" if _overlaps_itself(term) else body)


def _overlaps_itself(term: str) -> bool:
    """Whether a second occurrence may start inside a first one and still stand as a word.

    It starts where the term's first byte recurs, so the byte before it is one of the term's;
    when that byte is a word byte the second occurrence fails its own leading boundary.
    """
    lowered = term.encode().lower().strip()
    head = lowered[0]
    if not WORD_BYTE[head]:
        return head in lowered[1:]
    return any(lowered[i] == head and not WORD_BYTE[lowered[i - 1]] for i in range(1, len(lowered)))


def spans(text: bytes, term: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of every candidate occurrence of ``term`` in ``text``, boundaries
    not checked yet."""
    for match in occurrence_pattern(term).finditer(text):
        start, end = match.span()
        if start == end:  # a lookahead match: the occurrence itself is found again
            whole = _body_pattern(term).match(text, start)
            assert whole is not None, "the lookahead matched here"
            end = whole.end()
        yield start, end


def word_starts(text: bytes, data: npt.NDArray[np.uint8], term: str) -> Offsets:
    """Start offsets in ``text`` of the occurrences of ``term`` that stand as words."""
    found = np.array(list(spans(text, term)), dtype=np.int64).reshape(-1, 2)
    return standing_as_words(data, found[:, 0], found[:, 1], term)


@lru_cache(maxsize=4096)
def _body_pattern(term: str) -> re.Pattern[bytes]:
    return re.compile(term_body(term))


def standing_as_words(
    data: npt.NDArray[np.uint8], starts: Offsets, ends: Offsets, term: str
) -> Offsets:
    """The ``starts`` of the occurrences ``[start, end)`` whose edges are word boundaries."""
    before, after = bounded_ends(term)
    keep = np.ones(starts.size, dtype=np.bool_)
    if before and starts.size:
        keep &= (starts == 0) | ~WORD_BYTE[data[np.maximum(starts - 1, 0)]]
    if after and ends.size:
        keep &= (ends >= data.size) | ~WORD_BYTE[data[np.minimum(ends, data.size - 1)]]
    return starts[keep]


def scan_terms(text: bytes, data: npt.NDArray[np.uint8], terms: Sequence[str]) -> list[Offsets]:
    """For each term, an offset inside each of its occurrences that stand as words in
    ``text`` (the start with ``re``; the last byte matched with Hyperscan)."""
    if hyperscan is not None and terms and text:
        database = _database(tuple(terms))
        if database is not None:
            return _hyperscan(database, text, len(terms))
    return [word_starts(text, data, term) for term in terms]


_NOT_WORD = rb"[^a-z0-9_]"


def _standalone(term: str) -> bytes:
    """``term``'s regex with its word boundaries as bytes to match: Hyperscan has no
    lookarounds, and matching the boundary bytes reports only words, not every substring."""
    before, after = bounded_ends(term)
    body = term_body(term)
    return (
        (rb"(?:^|" + _NOT_WORD + rb")" if before else b"")
        + body
        + (rb"(?:" + _NOT_WORD + rb"|$)" if after else b"")
    )


@lru_cache(maxsize=64)
def _database(terms: tuple[str, ...]) -> Any:
    """Hyperscan's compiled database for ``terms``; None when it refuses one of them."""
    assert hyperscan is not None
    database = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    try:
        database.compile(
            expressions=[_standalone(term) for term in terms],
            ids=list(range(len(terms))),
            elements=len(terms),
            flags=[0] * len(terms),
        )
    except hyperscan.error:
        return None
    return database


_END_BITS = 40  # a match is kept as one int: term << 40 | end (texts under 1 TB)


def _hyperscan(database: Any, text: bytes, count: int) -> list[Offsets]:
    found: list[int] = []
    keep = found.append

    def on_match(term: int, _start: int, end: int, _flags: int, _context: object) -> None:
        keep(term << _END_BITS | end)

    database.scan(text, match_event_handler=on_match)
    packed = np.sort(np.array(found, dtype=np.int64))
    terms = packed >> _END_BITS
    # The last byte matched: inside the occurrence, or the non-word byte just after it
    # (a NUL that ends a job belongs to that job).
    last = (packed & ((1 << _END_BITS) - 1)) - 1
    bounds = np.searchsorted(terms, np.arange(count + 1))
    return [last[bounds[i] : bounds[i + 1]] for i in range(count)]
