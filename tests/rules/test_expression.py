"""Keyword expressions: parsing, errors that point at the problem, and matching job text."""

from __future__ import annotations

from functools import partial

import pytest

from bidflow.config.expression import And, ExpressionError, Not, Or, Term, parse_expression
from rules.expression import JobTexts, has_term, haystack, matches
from tests.factories import make_job


def test_precedence_not_then_and_then_or() -> None:
    assert parse_expression('django AND (api OR rest) not "word press"') == And(
        (Term("django"), Or((Term("api"), Term("rest"))), Not(Term("word press")))
    )
    assert parse_expression("a or b c") == Or((Term("a"), And((Term("b"), Term("c")))))


@pytest.mark.parametrize(
    ("source", "problem", "position"),
    [
        ("", "empty expression", 1),
        ("(django OR flask", "unclosed parenthesis", 1),
        ("django)", "unexpected ')'", 7),
        ("django AND", "expression ends where a term was expected", 11),
        ("OR django", "'OR' where a term was expected", 1),
        ('python "machine learning', "unclosed quote", 8),
        ('a "" b', "empty phrase", 3),
    ],
)
def test_broken_expressions_name_the_position(source: str, problem: str, position: int) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse_expression(source)
    assert str(caught.value).startswith(f"{problem} at character {position}; ")
    assert caught.value.position == position


def test_terms_match_whole_words_case_insensitively() -> None:
    text = haystack(
        make_job(
            title="C++ and Node.js", description="Machine\n learning; pythonic", skills=["Django"]
        )
    )
    assert has_term(text, "c++") and has_term(text, "NODE.JS")
    assert has_term(text, "machine learning")
    assert not has_term(text, "python")  # only "pythonic"
    assert has_term(text, "django")  # from the job's skills


def test_batch_columns_agree_with_one_job_matching() -> None:
    jobs = [
        make_job(title="Django API", description="rest"),
        make_job(title="Flask", description="", skills=[]),
    ]
    texts = JobTexts(jobs)
    expr = parse_expression("(django OR flask) NOT rest")
    expected = [matches(expr, partial(has_term, haystack(job))) for job in jobs]
    assert texts.evaluate(expr).tolist() == expected == [False, True]
