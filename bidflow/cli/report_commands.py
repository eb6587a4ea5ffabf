"""``bidflow report``: the owners' weekly report as files (and, with --send, delivered); with
--csv, the all-time per-bidder conversion table it printed before the weekly report existed."""

from __future__ import annotations

from pathlib import Path

import click

from bidflow.cli.running import configure_prefect
from bidflow.config.reports import parse_formats
from bidflow.errors import ConfigError
from bidflow.settings import get_settings
from bidflow.types import utcnow

_WEEK_HELP = "ISO week, like 2026-W47. Default: last week in the agency's timezone."


@click.command()
@click.option("--week", help=_WEEK_HELP)
@click.option(
    "--format",
    "formats",
    metavar="LIST",
    help="Comma-separated: html, pdf, csv. Default: the config's reports.formats (all three).",
)
@click.option("--send", is_flag=True, help="Email the report and send it to reports.channels.")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write into. Default: $BIDFLOW_HOME/reports/<week>/.",
)
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="Agency config.")
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Instead: print the all-time per-bidder conversion table and write it to this CSV.",
)
def report(
    week: str | None,
    formats: str | None,
    send: bool,
    out_dir: Path | None,
    config_path: Path | None,
    csv_path: Path | None,
) -> None:
    """Write the weekly win-rate report (HTML, PDF, a CSV per table) and print the paths."""
    if csv_path is not None and (week or formats or send or out_dir):
        raise ConfigError(
            "--csv writes the all-time conversion table; it cannot be combined with --week,"
            " --format, --send or --out"
        )
    chosen = _formats(formats)
    settings = get_settings()
    configure_prefect(settings)
    config = str(config_path or settings.config_path)
    if csv_path is not None:
        _conversion_table(config, csv_path)
        return
    from flows.report import ReportIncomplete, choose_week, weekly_report

    if week is not None:
        try:  # only the text is checked here; the flow picks the week and its timezone
            choose_week(week, "UTC", utcnow())
        except ValueError as exc:
            raise ConfigError(f"--week {week!r}: {exc}") from None
    try:
        run = weekly_report(
            config, week=week, formats=chosen, send=send, out_dir=str(out_dir) if out_dir else None
        )
    except ReportIncomplete as incomplete:
        _print_paths(incomplete.run.paths)
        raise
    _print_paths(run.paths)
    for where in run.delivered:
        click.echo(f"Sent: {where}")


def _formats(text: str | None) -> list[str] | None:
    if text is None:
        return None
    try:
        return list(parse_formats(text))
    except ValueError as exc:
        raise ConfigError(f"--format {text!r}: {exc}") from None


def _print_paths(paths: list[str]) -> None:
    for path in paths:
        click.echo(path)


def _conversion_table(config: str, csv_path: Path) -> None:
    from flows.report import report_flow

    table = report_flow(config, str(csv_path))
    click.echo(table.to_string(index=False, na_rep="–"))
    click.echo(f"Wrote {csv_path}")


COMMANDS = (report,)
