"""A report table as a person reads it: headers in words, every cell formatted by the column
conventions of ``analytics.report_model`` (a rate and its ``_low``/``_high`` interval become one
cell, ``_usd`` is money, ``_s`` a duration), the total row marked.

A table too wide for a portrait A4 page (a funnel has some twenty columns) is shown in parts —
counts, rates, other figures — each starting with the group column, rather than shrunk until
nobody can read it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import pandas as pd
from pandas.api.types import is_bool_dtype, is_integer_dtype, is_numeric_dtype

from analytics import report_format as fmt
from analytics.report_model import TOTAL, ReportTable

MAX_COLUMNS = 13  # what fits across A4 portrait at the page's table font size
_ACRONYMS = {"llm": "LLM", "ab": "A/B", "usd": "USD", "id": "ID", "url": "URL", "a": "A", "b": "B"}
Kind = Literal["group", "count", "rate", "other"]
_PART_LABELS: dict[Kind, str] = {
    "count": "Counts",
    "rate": "Rates so far, with their 95% interval",
    "other": "Money, time and other figures",
}


@dataclass(frozen=True)
class Cell:
    text: str  # "24%"
    detail: str = ""  # a rate's interval, "(18–31%)": printed under it in a narrow column

    def __str__(self) -> str:
        return f"{self.text} {self.detail}" if self.detail else self.text


@dataclass(frozen=True)
class Column:
    name: str  # the frame's column (for a rate: the rate's own column)
    header: str
    kind: Kind
    numeric: bool  # right-aligned in the page
    show: Callable[[pd.Series], Cell]  # one row in, the cell out


@dataclass(frozen=True)
class Row:
    cells: list[Cell]
    total: bool


@dataclass(frozen=True)
class TablePart:
    label: str  # "" when the table is shown whole
    headers: list[tuple[str, bool]]  # (header, numeric)
    rows: list[Row]


@dataclass(frozen=True)
class TableView:
    slug: str
    title: str
    note: str
    parts: list[TablePart]


def table_view(table: ReportTable) -> TableView:
    columns = display_columns(table.frame)
    if len(columns) <= MAX_COLUMNS:
        parts = [_part("", columns, table.frame)]
    else:
        group, rest = columns[:1], columns[1:]
        parts = []
        for kind, label in _PART_LABELS.items():
            chosen = [column for column in rest if column.kind == kind]
            step = MAX_COLUMNS - len(group)
            for start in range(0, len(chosen), step):
                parts.append(_part(label, group + chosen[start : start + step], table.frame))
    return TableView(slug=table.slug, title=table.title, note=table.note, parts=parts)


def display_columns(frame: pd.DataFrame) -> list[Column]:
    """The columns a person sees, in the frame's order; interval bounds fold into their rate."""
    names = [str(name) for name in frame.columns]
    rates = {name for name in names if f"{name}_low" in names and f"{name}_high" in names}
    bounds = {f"{rate}_{side}" for rate in rates for side in ("low", "high")}
    shown = [name for name in names if name not in bounds]
    return [_column(frame, name, rates, first=i == 0) for i, name in enumerate(shown)]


def header(name: str) -> str:
    """ "llm_cost_usd" -> "LLM cost ($)", "reply_rate" -> "Reply rate", "median_wait_s" ->
    "Median wait", "cohort_replied" -> "Replied so far"."""
    unit = ""
    if name.endswith("_usd"):
        name, unit = name.removesuffix("_usd"), " ($)"
    elif name.endswith("_s"):
        name = name.removesuffix("_s")
    if name.startswith("cohort_"):  # of the week's drafts or sends: how many got there so far
        name, unit = name.removeprefix("cohort_"), " so far" + unit
    words = [_ACRONYMS.get(word, word) for word in name.split("_") if word]
    text = " ".join(words) or name
    return text[:1].upper() + text[1:] + unit


def _part(label: str, columns: list[Column], frame: pd.DataFrame) -> TablePart:
    rows = []
    last = len(frame) - 1
    for position, (_, record) in enumerate(frame.iterrows()):
        total = position == last and position > 0 and str(record.iloc[0]) == TOTAL
        rows.append(Row([column.show(record) for column in columns], total))
    return TablePart(label, [(column.header, column.numeric) for column in columns], rows)


def _column(frame: pd.DataFrame, name: str, rates: set[str], *, first: bool) -> Column:
    if name in rates:
        return Column(name, header(name), "rate", True, lambda row: _rate_cell(row, name))
    formatter, kind = _formatter(name, frame[name])
    if formatter is fmt.count and name.startswith("cohort_"):
        kind = "rate"  # a rate's numerator: shown beside the rate
    return Column(
        name,
        header(name),
        "group" if first else kind,
        formatter is not _text,
        lambda row: Cell(formatter(row[name])),
    )


def _formatter(name: str, series: pd.Series) -> tuple[Callable[[object], str], Kind]:
    if not is_numeric_dtype(series) or is_bool_dtype(series):
        return _text, "other"
    if name.endswith("_usd"):
        return fmt.usd, "other"
    if name.endswith("_s"):
        return fmt.duration, "other"
    if name.endswith("_rate"):
        return fmt.percent, "rate"
    if name == "difference" or name.endswith("_difference"):
        return fmt.points, "rate"  # a difference of two rates (the A/B table's)
    if is_integer_dtype(series):
        return fmt.count, "count"
    return fmt.number, "other"


def _rate_cell(row: pd.Series, name: str) -> Cell:
    text = fmt.rate_with_interval(row[name], row[f"{name}_low"], row[f"{name}_high"])
    rate, _, interval = text.partition(" ")
    return Cell(rate, interval)


def _text(value: object) -> str:
    return fmt.DASH if fmt.is_missing(value) else str(value)
