"""The weekly report as CSV: one file per table (``<slug>.csv``) and ``headline.csv``.

The files keep the numbers as computed (rates as fractions with their ``_low``/``_high``
interval columns, empty cells for NaN) for people who chart them in a spreadsheet. Text cells
hold names from the config and from jobs, so any that a spreadsheet would run as a formula
(starting with = + - @, tab or carriage return) is written with a leading quote. Numbers are left
as numbers: a negative difference is data, not a formula.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from pandas.api.types import is_numeric_dtype

from analytics.report_model import Change, WeeklyReport

HEADLINE_FILE = "headline.csv"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_SLUG = re.compile(r"^[a-z0-9_]+$")  # a slug becomes a file name: no separators, no dots


def defuse(value: object) -> object:
    """``value`` with a leading quote if it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def table_csv(frame: pd.DataFrame) -> str:
    """A report table as CSV text (RFC 4180 line ends), text cells defused."""
    safe = frame.copy()
    for name in safe.columns:
        if not is_numeric_dtype(safe[name]):
            safe[name] = safe[name].map(defuse)
    safe.columns = [str(defuse(str(name))) for name in safe.columns]
    # Ten significant digits: 50 not 50.0, 0.57 not 0.5700000000000003.
    text: str = safe.to_csv(index=False, lineterminator="\r\n", float_format="%.10g")
    return text


def headline_frame(headline: Sequence[Change]) -> pd.DataFrame:
    """One row per headline figure: this week, last week and the difference, in the figure's
    own unit (a rate's change is a difference of fractions: 0.03 is three points)."""
    rows = []
    for change in headline:
        both = change.value is not None and change.previous is not None
        rows.append(
            {
                "figure": change.label,
                "kind": change.kind,
                "value": change.value,
                "previous": change.previous,
                "change": (change.value or 0) - (change.previous or 0) if both else None,
            }
        )
    columns = ["figure", "kind", "value", "previous", "change"]
    return pd.DataFrame(rows, columns=columns).astype({"value": float, "previous": float})


def write_report_csvs(report: WeeklyReport, directory: Path) -> list[Path]:
    """Write ``headline.csv`` and one ``<slug>.csv`` per table into ``directory`` (UTF-8);
    returns the paths, headline first."""
    for table in report.tables:  # all checked before anything is written
        if not _SLUG.match(table.slug):
            raise ValueError(f"table slug {table.slug!r} cannot name a file; use a-z, 0-9 and _")
    directory.mkdir(parents=True, exist_ok=True)
    files = [(HEADLINE_FILE, headline_frame(report.headline))]
    files += [(f"{table.slug}.csv", table.frame) for table in report.tables]
    written = []
    for name, frame in files:
        path = directory / name
        # newline="": the text already ends its lines with CRLF, written as they are.
        path.write_text(table_csv(frame), encoding="utf-8", newline="")
        written.append(path)
    return written
