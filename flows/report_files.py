"""Writing the weekly report's files into one folder: the HTML page, the PDF Chromium prints
from that same page, and a CSV per table plus ``headline.csv``.

A format that cannot be written (no Chromium for the PDF) is a problem to report, not a reason
to lose the others: every other file is still written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from analytics.charts import Chart, report_charts
from analytics.render import render_report_html, report_title
from analytics.report_csv import write_report_csvs
from analytics.report_model import WeeklyReport
from bidflow.config.reports import ReportFormat
from connectors.report_pdf import PdfError, print_pdf


@dataclass(frozen=True)
class ReportFiles:
    directory: Path
    paths: list[Path] = field(default_factory=list)  # in the order written
    problems: list[str] = field(default_factory=list)  # one line per format not written

    @property
    def pdf(self) -> Path | None:
        return next((path for path in self.paths if path.suffix == ".pdf"), None)

    @property
    def attachments(self) -> list[Path]:
        """What an email carries besides its HTML body: the PDF, then the CSVs."""
        return sorted(
            (path for path in self.paths if path.suffix in (".pdf", ".csv")),
            key=lambda path: path.suffix != ".pdf",
        )


def report_file_stem(report: WeeklyReport) -> str:
    """ "weekly-report-2026-W47": the week is in the name, so an attachment says which."""
    return f"weekly-report-{report.week}"


def write_report_files(
    report: WeeklyReport,
    *,
    agency: str,
    directory: Path,
    formats: Sequence[ReportFormat],
    charts: Sequence[Chart] | None = None,
) -> ReportFiles:
    """Write ``report`` in each of ``formats`` into ``directory`` (created if needed)."""
    directory.mkdir(parents=True, exist_ok=True)
    drawn = list(report_charts(report) if charts is None else charts)
    page = render_report_html(report, agency=agency, charts=drawn)
    files = ReportFiles(directory)
    stem = report_file_stem(report)
    if "html" in formats:
        html_path = directory / f"{stem}.html"
        html_path.write_text(page, encoding="utf-8")
        files.paths.append(html_path)
    if "pdf" in formats:
        try:
            pdf_path = print_pdf(
                page, directory / f"{stem}.pdf", footer=report_title(report, agency)
            )
        except PdfError as exc:
            files.problems.append(f"pdf: {exc}")
        else:
            files.paths.append(pdf_path)
    if "csv" in formats:
        files.paths.extend(write_report_csvs(report, directory))
    return files
