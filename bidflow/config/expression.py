"""Keyword expressions of the agency config ("django AND (api OR rest) NOT wordpress").

Only the syntax lives here, so the config can refuse a broken expression when it loads;
``rules.expression`` matches parsed expressions against jobs.

Grammar (operators in capitals or lower case; adjacent terms mean AND)::

    expr   := and ("OR" and)*
    and    := unary (["AND"] unary)*
    unary  := "NOT" unary | "(" expr ")" | TERM | "PHRASE"
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated

from pydantic import AfterValidator

_OPERATORS = frozenset({"and", "or", "not"})
_TOKEN = re.compile(r'\s*(?:(?P<open>\()|(?P<close>\))|"(?P<phrase>[^"]*)"|(?P<word>[^\s()"]+))')


class ExpressionError(ValueError):
    """A keyword expression that cannot be read; ``position`` is 1-based."""

    def __init__(self, problem: str, position: int, fix: str) -> None:
        super().__init__(f"{problem} at character {position}; {fix}")
        self.position = position


@dataclass(frozen=True)
class Term:
    """A word or quoted phrase; matched case-insensitively on word boundaries."""

    text: str


@dataclass(frozen=True)
class Not:
    operand: Expr


@dataclass(frozen=True)
class And:
    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Or:
    operands: tuple[Expr, ...]


Expr = Term | Not | And | Or


def terms_of(expr: Expr) -> list[str]:
    """Every term the expression mentions, each once, in order of appearance."""
    if isinstance(expr, Term):
        return [expr.text]
    operands = (expr.operand,) if isinstance(expr, Not) else expr.operands
    return list(dict.fromkeys(t for operand in operands for t in terms_of(operand)))


@dataclass(frozen=True)
class _Token:
    kind: str  # "(", ")", "and", "or", "not", "term"
    text: str
    position: int


def _tokens(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    at = 0
    while source[at:].strip():
        quote = source.find('"', at)
        match = _TOKEN.match(source, at)
        if match is None or (quote >= 0 and match.start("word") <= quote < match.end("word")):
            where = quote if quote >= 0 else at
            raise ExpressionError("unclosed quote", where + 1, 'close the phrase with "')
        at = match.end()
        start = match.start(match.lastgroup or "word") + 1
        if match.group("open"):
            tokens.append(_Token("(", "(", start))
        elif match.group("close"):
            tokens.append(_Token(")", ")", start))
        elif match.group("phrase") is not None:
            phrase = " ".join(match.group("phrase").split())
            if not phrase:
                raise ExpressionError("empty phrase", start - 1, "put words between the quotes")
            tokens.append(_Token("term", phrase, start - 1))
        else:
            word = match.group("word")
            kind = word.casefold() if word.casefold() in _OPERATORS else "term"
            tokens.append(_Token(kind, word, start))
    return tokens


class _Parser:
    def __init__(self, source: str) -> None:
        self.tokens = _tokens(source)
        self.index = 0
        self.end = len(source) + 1

    def peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expr(self) -> Expr:
        operands = [self.conjunction()]
        while (token := self.peek()) is not None and token.kind == "or":
            self.take()
            operands.append(self.conjunction())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def conjunction(self) -> Expr:
        operands = [self.unary()]
        while (token := self.peek()) is not None and token.kind in {"and", "not", "term", "("}:
            if token.kind == "and":
                self.take()
            operands.append(self.unary())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def unary(self) -> Expr:
        token = self.peek()
        if token is None:
            raise ExpressionError(
                "expression ends where a term was expected",
                self.end,
                "add a term after the last operator or remove the operator",
            )
        self.take()
        if token.kind == "not":
            return Not(self.unary())
        if token.kind == "(":
            inner = self.expr()
            closing = self.peek()
            if closing is None or closing.kind != ")":
                raise ExpressionError(
                    "unclosed parenthesis", token.position, "add the matching ')'"
                )
            self.take()
            return inner
        if token.kind == "term":
            return Term(token.text)
        raise ExpressionError(
            f"'{token.text}' where a term was expected",
            token.position,
            "put a term before it or remove it"
            if token.kind != ")"
            else "remove it or add the matching '('",
        )


# Parsed once per distinct text: rules ask for a ruleset's expression for every job they judge,
# and the tree is immutable.
@lru_cache(maxsize=256)
def parse_expression(source: str) -> Expr:
    """The expression's syntax tree; an ExpressionError says where it breaks and how to fix it."""
    if not source.strip():
        raise ExpressionError("empty expression", 1, "write at least one keyword or remove it")
    parser = _Parser(source)
    expr = parser.expr()
    leftover = parser.peek()
    if leftover is not None:
        fix = "remove it or add the matching '('" if leftover.kind == ")" else "remove it"
        raise ExpressionError(f"unexpected '{leftover.text}'", leftover.position, fix)
    return expr


def checked_query(value: str | None) -> str | None:
    """A config field's keyword expression, refused at load time when it does not parse (the
    ExpressionError names the position and the fix)."""
    if value is not None:
        parse_expression(value)
    return value


# A config field holding a keyword expression (rulesets' fit.query, assignments' query).
Query = Annotated[str | None, AfterValidator(checked_query)]
