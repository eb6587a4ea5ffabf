"""The weekly report as CSV: a file per table plus the headline, UTF-8, numbers kept as
computed, and no text cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from analytics.report_csv import table_csv, write_report_csvs
from analytics.report_model import TABLE_SLUGS, ReportTable
from tests.analytics.report_fixtures import HOSTILE_CATEGORY, sample_report


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8"), newline="")))


def test_one_file_per_table_and_a_headline_file(tmp_path: Path) -> None:
    written = write_report_csvs(sample_report(), tmp_path / "2026-W47")

    names = [path.name for path in written]
    assert names == ["headline.csv", *(f"{slug}.csv" for slug in TABLE_SLUGS)]
    assert sorted(p.name for p in (tmp_path / "2026-W47").iterdir()) == sorted(names)
    headline = _rows(tmp_path / "2026-W47" / "headline.csv")
    assert headline[0] == ["figure", "kind", "value", "previous", "change"]
    assert headline[1] == ["Proposals sent", "count", "50", "40", "10"]
    assert headline[5] == ["LLM cost", "usd", "2.47", "1.9", "0.57"]
    assert headline[7] == ["Connects spent", "count", "800", "", ""]  # no figure last week


def test_text_that_starts_a_formula_is_defused_and_numbers_stay_numbers() -> None:
    hostile = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tTAB", "\rCR", "Ana", "a=b"]
    frame = pd.DataFrame({"bidder": hostile, "sent": range(8), "difference": [-0.25, *[0.5] * 7]})

    rows = list(csv.reader(io.StringIO(table_csv(frame), newline="")))

    assert [row[0] for row in rows[1:]] == [
        "'=1+1",
        "'+SUM(A1)",
        "'-2+3",
        "'@cmd",
        "'\tTAB",
        "'\rCR",
        "Ana",
        "a=b",
    ]
    assert rows[1][1:] == ["0", "-0.25"]  # a negative number is data, written as a number


def test_hostile_category_in_the_report_file_is_defused(tmp_path: Path) -> None:
    write_report_csvs(sample_report(category=HOSTILE_CATEGORY), tmp_path)
    rows = _rows(tmp_path / "funnel_by_category.csv")
    assert rows[2][0] == "'" + HOSTILE_CATEGORY
    assert rows[2][1:4] == ["20", "4", "1"]


def test_files_are_utf8_with_crlf_lines_and_empty_cells_for_missing_rates(
    tmp_path: Path,
) -> None:
    write_report_csvs(sample_report(bidders=("José Müller", "Zoë 李")), tmp_path)
    raw = (tmp_path / "funnel_by_bidder.csv").read_bytes()
    assert "José Müller".encode() in raw and "Zoë 李".encode() in raw
    assert raw.count(b"\r\n") == 4 and b"\n" not in raw.replace(b"\r\n", b"")

    rows = _rows(tmp_path / "funnel_by_bidder.csv")
    header = rows[0]
    assert header[:3] == ["bidder", "seen", "passed"]
    zoe = dict(zip(header, rows[2], strict=True))
    assert zoe["reply_rate"] == "0.182"  # 4 of 22, as a fraction
    assert (zoe["reply_rate_low"], zoe["reply_rate_high"]) == ("0.073", "0.385")
    speed = _rows(tmp_path / "speed_to_send.csv")
    assert speed[4][0] == "> 4 h" and speed[4][4:7] == ["", "", ""]  # no sends: no rate


def test_a_slug_that_is_no_file_name_is_refused(tmp_path: Path) -> None:
    report = sample_report()
    report.tables.append(ReportTable("../escape", "Escape", pd.DataFrame({"x": [1]})))
    with pytest.raises(ValueError, match="cannot name a file"):
        write_report_csvs(report, tmp_path / "out")
    assert not (tmp_path / "out").exists()  # nothing half-written
