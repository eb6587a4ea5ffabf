"""Delivering the weekly report: by email to its recipients (``connectors.report_mail``) and
to every apprise channel of the ``reports:`` config, each getting a short summary with the PDF
attached.

Each way is tried whatever happened to the others; what failed comes back as one line per
failure that names what to fix, and the report's files stay where they were written.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import apprise

from bidflow.config.reports import ReportsConfig
from connectors.report_mail import MailError, ReportMail, SmtpServer, send_report_email

_MENTION = "@"


@dataclass
class DeliveryOutcome:
    delivered: list[str] = field(default_factory=list)  # "email to a@x.test", "REPORTS_SLACK_URL"
    failures: list[str] = field(default_factory=list)  # one line each, saying what to fix


def deliver_report(
    mail: ReportMail,
    *,
    config: ReportsConfig,
    recipients: Sequence[str],
    smtp: SmtpServer,
    pdf: Path | None,
    environ: Mapping[str, str] | None = None,
) -> DeliveryOutcome:
    """Email ``mail`` to ``recipients`` (when ``config.email``) and send its summary with
    ``pdf`` to each of ``config.channels``."""
    env = os.environ if environ is None else environ
    outcome = DeliveryOutcome()
    if not config.email and not config.channels:
        outcome.failures.append(
            "nothing to send to: reports.email is false and reports.channels is empty;"
            " turn email on or add a channel"
        )
    if config.email:
        _email(mail, recipients, smtp, outcome)
    for channel in config.channels:
        error = send_to_channel(
            env.get(channel.url_env, "").strip(), title=mail.subject, body=mail.text, pdf=pdf
        )
        if error is None:
            outcome.delivered.append(channel.url_env)
        else:
            outcome.failures.append(f"channel {channel.url_env}: {error}")
    return outcome


def send_to_channel(url: str, *, title: str, body: str, pdf: Path | None) -> str | None:
    """Send ``body`` (plain text) with ``pdf`` attached to one apprise URL; None if apprise
    reports success, else why not."""
    if not url:
        return (
            "the environment variable is not set; export it with the channel's apprise URL"
            " (docs/alerts.md lists examples)"
        )
    plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        return (
            "apprise cannot read the URL in it; check its scheme and parameters"
            " (https://github.com/caronc/apprise/wiki)"
        )
    sender = apprise.Apprise()
    sender.add(plugin)
    attachment = apprise.AppriseAttachment(str(pdf)) if pdf is not None else None
    # A zero-width space after @ keeps "@everyone" in a name from notifying a whole channel.
    safe_body = body.replace(_MENTION, _MENTION + "\u200b")
    # Apprise reports why a send failed only through its log.
    with apprise.LogCapture(level=logging.WARNING) as captured:  # type: ignore[no-untyped-call]
        ok = sender.notify(
            body=safe_body, title=title, body_format=apprise.NotifyFormat.TEXT, attach=attachment
        )
        warnings = str(captured.getvalue()).strip()
    return None if ok else (warnings or "apprise reported a failure")


def _email(
    mail: ReportMail, recipients: Sequence[str], smtp: SmtpServer, outcome: DeliveryOutcome
) -> None:
    if not recipients:
        outcome.failures.append(
            "email: nobody to send to; the config has no user with role owner and"
            " reports.recipients is empty: add one, or set reports.email: false"
        )
        return
    try:
        send_report_email(smtp, mail, recipients)
    except MailError as exc:
        outcome.failures.append(f"email: {exc}")
    else:
        outcome.delivered.append(f"email to {', '.join(recipients)}")
