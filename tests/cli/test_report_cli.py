"""``bidflow report`` through the real ``bidflow`` entry point: the week's report written as
files on a seeded SQLite database, and one-line errors for what a person can get wrong."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from pypdf import PdfReader

from analytics.report_model import TABLE_SLUGS
from analytics.weekly import IsoWeek, week_of
from bidflow import db
from bidflow.store.proposals import transition
from bidflow.types import utcnow
from tests.cli.conftest import invoke, run_bidflow
from tests.factories import agency_dict, make_job, write_config
from tests.web.seed import add_bidder, queue_drafts

OWNER = {"email": "owner@agency.test", "name": "Olga", "role": "owner"}


def _seed_week(url: str) -> IsoWeek:
    """Ana: three drafts this week, two sent, one of them replied; Ben: one draft."""
    with db.session_scope(url) as session:
        ana = queue_drafts(
            session, bidder=add_bidder(session, "Ana"), jobs=[make_job() for _ in range(3)]
        )
        queue_drafts(session, bidder=add_bidder(session, "Ben"), jobs=[make_job()])
        for proposal_id, steps in zip(
            ana, (["approved", "sent", "replied"], ["approved", "sent"]), strict=False
        ):
            for step in steps:
                transition(session=session, proposal_id=proposal_id, to=step, actor="test")
    return week_of(utcnow().date())  # the agency config's timezone is UTC


def _csv(path: Path) -> dict[str, dict[str, str]]:
    rows = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline=""))
    return {row[next(iter(row))]: row for row in rows}


def test_report_writes_every_format_for_the_week_into_the_home_folder(
    tmp_path: Path, sqlite_url: str, bidflow_home: Path
) -> None:
    config = write_config(tmp_path, agency_dict(users=[OWNER]))
    week = _seed_week(sqlite_url)

    result = invoke("report", "--config", str(config), "--week", str(week))

    assert result.exit_code == 0, result.stderr
    folder = bidflow_home / "reports" / str(week)
    printed = result.stdout.splitlines()
    expected = [
        folder / f"weekly-report-{week}.html",
        folder / f"weekly-report-{week}.pdf",
        folder / "headline.csv",
        *(folder / f"{slug}.csv" for slug in TABLE_SLUGS),
    ]
    assert printed == [str(path) for path in expected]
    assert all(path.is_file() for path in expected)
    funnel = _csv(folder / "funnel_by_bidder.csv")
    assert (funnel["Ana"]["drafted"], funnel["Ana"]["sent"], funnel["Ana"]["replied"]) == (
        "3",
        "2",
        "1",
    )
    assert funnel["Ben"]["drafted"] == "1"
    page = (folder / f"weekly-report-{week}.html").read_text(encoding="utf-8")
    assert f"<h1>Weekly report {week}</h1>" in page and "Ana" in page
    pdf_text = PdfReader(folder / f"weekly-report-{week}.pdf").pages[0].extract_text()
    assert f"Weekly report {week}" in pdf_text


def test_format_and_out_choose_what_is_written_and_where(tmp_path: Path, sqlite_url: str) -> None:
    config = write_config(tmp_path, agency_dict(users=[OWNER]))
    week = _seed_week(sqlite_url)
    out = tmp_path / "owners"

    result = invoke(
        "report", "--config", str(config), "--week", str(week), "--format", "csv", "--out", str(out)
    )

    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["headline.csv", *(f"{slug}.csv" for slug in TABLE_SLUGS)]
    )
    assert result.stdout.splitlines()[0] == str(out / "headline.csv")


def test_send_without_a_mail_server_still_writes_the_files_and_says_what_to_set(
    tmp_path: Path, sqlite_url: str
) -> None:
    config = write_config(tmp_path, agency_dict(users=[OWNER]))
    out = tmp_path / "out"

    result = invoke(
        "report",
        "--config",
        str(config),
        "--week",
        "2026-W10",
        "--format",
        "html",
        "--out",
        str(out),
        "--send",
    )

    assert result.exit_code == 2
    assert result.stdout.splitlines() == [str(out / "weekly-report-2026-W10.html")]
    assert result.stderr.startswith(f"error: the report for 2026-W10 is in {out}, but:")
    assert "email: BIDFLOW_SMTP_HOST is not set;" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_week_is_one_line_naming_the_option_and_the_format() -> None:
    result = run_bidflow("report", "--week", "2026-47")

    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: --week '2026-47': '2026-47' is not an ISO week; write it as YYYY-Www, like 2026-W47"
    )
    assert result.stdout == ""


def test_a_week_the_year_does_not_have_and_an_unknown_format_are_explained() -> None:
    week = invoke("report", "--week", "2025-W53")
    assert week.exit_code == 2
    assert week.stderr.strip() == (
        "error: --week '2025-W53': 2025 has no week 53; ISO weeks run from W01 to W52 (W53 in"
        " some years)"
    )
    formats = invoke("report", "--format", "html,docx")
    assert formats.exit_code == 2
    assert formats.stderr.strip() == (
        "error: --format 'html,docx': 'docx' is not a report format; use html, pdf or csv,"
        " like html,pdf"
    )
