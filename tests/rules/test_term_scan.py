"""Finding terms in a batch: the one-pass Hyperscan search, the ``re`` fallback and the
per-job reference give the same answer, including on the awkward cases (overlapping
occurrences, punctuation edges, whitespace inside phrases, case, NULs and non-ASCII text)."""

from __future__ import annotations

import platform
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rules.term_scan
from rules.expression import JobTexts, has_term, haystack
from tests.factories import make_job

# Few letters, so terms recur, overlap and touch each other; the rest are boundary cases.
_TEXT = st.text(alphabet="aAb_1.+ \t\n\x00é", max_size=40)
_TERM = st.text(alphabet="aAb1.+ é", min_size=1, max_size=6).filter(lambda t: t.strip() != "")
_settings = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _columns(titles: list[str], descriptions: list[str], terms: list[str]) -> list[list[bool]]:
    jobs = [
        make_job(title=title, description=description, skills=[])
        for title, description in zip(titles, descriptions, strict=True)
    ]
    texts = JobTexts(jobs)
    texts.find(*terms)
    found = [texts.column(term).tolist() for term in terms]
    expected = [[has_term(haystack(job), term) for job in jobs] for term in terms]
    assert found == expected
    return found


@_settings
@given(
    st.lists(st.tuples(_TEXT, _TEXT), min_size=1, max_size=5),
    st.lists(_TERM, min_size=1, max_size=6),
    st.sampled_from(["hyperscan", "re"]),
)
def test_batch_search_equals_the_per_job_reference(
    texts: list[tuple[str, str]], terms: list[str], engine: str
) -> None:
    titles, descriptions = map(list, zip(*texts, strict=True))
    with pytest.MonkeyPatch.context() as patch:
        if engine == "re":  # the fallback where Hyperscan has no wheel
            patch.setattr(rules.term_scan, "hyperscan", None)
        _columns(titles, descriptions, terms)


@pytest.mark.parametrize("engine", ["hyperscan", "re"])
def test_known_cases(engine: str) -> None:
    with pytest.MonkeyPatch.context() as patch:
        if engine == "re":
            patch.setattr(rules.term_scan, "hyperscan", None)
        elif rules.term_scan.hyperscan is None and _has_hyperscan_wheel():
            pytest.fail("hyperscan is a dependency on this platform and must be installed")
        found = _columns(
            ["xa.a.a", "Pythonic python", "C++ dev", "data\t \nanalysis", "mysql"],
            ["", "", "", "", "SQL!"],
            ["a.a", "python", "c++", "data analysis", "sql", "Python"],
        )
    assert found == [
        [True, False, False, False, False],  # "a.a" stands as a word at its second start only
        [False, True, False, False, False],
        [False, False, True, False, False],
        [False, False, False, True, False],
        [False, False, False, False, True],  # "mysql" is not "sql"; "SQL!" is
        [False, True, False, False, False],  # spellings that match the same are one column
    ]


def _has_hyperscan_wheel() -> bool:
    """The platforms pyproject.toml installs Hyperscan on (elsewhere ``re`` does the work)."""
    machine = platform.machine()
    return (
        (sys.platform == "linux" and machine == "x86_64")
        or sys.platform == "darwin"
        or (sys.platform == "win32" and machine == "AMD64")
    )
