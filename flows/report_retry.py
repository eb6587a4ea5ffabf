"""Delivering the weekly report again when a way of sending it failed.

The send task is not retried whole by Prefect: an email that went out would go out again.
Instead the ways not yet delivered are sent again, with backoff, while one of them failed for
a reason time may cure (a mail server or chat service down) rather than a missing setting,
which fails the same way at once on every try and is reported as it is.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Mapping, Sequence

import apprise

from analytics.charts import Chart
from analytics.report_model import WeeklyReport
from bidflow.config import AgencyConfig
from bidflow.config.reports import ReportsConfig
from bidflow.settings import Settings
from connectors.report_delivery import DeliveryOutcome
from connectors.report_mail import SmtpServer
from flows.report_files import ReportFiles
from flows.report_send import send_report

# Waits before the second and third tries: a weekly report can wait minutes for a server.
DELAYS = (30.0, 120.0)
# Each wait varies by up to half, so agencies sharing a server do not all retry at once.
JITTER = 0.5
EMAIL_DELIVERED = "email to "  # how DeliveryOutcome.delivered names a sent email

Send = Callable[[ReportsConfig], DeliveryOutcome]


def send_report_with_retries(
    report: WeeklyReport,
    charts: Sequence[Chart],
    files: ReportFiles,
    *,
    agency: AgencyConfig,
    settings: Settings,
    delays: Sequence[float] = DELAYS,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryOutcome:
    """``send_report``, then the ways that failed again after each of ``delays``."""

    def send(reports: ReportsConfig) -> DeliveryOutcome:
        only = agency.model_copy(update={"reports": reports})
        return send_report(report, charts, files, agency=only, settings=settings)

    recipients = agency.reports.recipients_among(agency.users)
    smtp = SmtpServer.from_settings(settings)

    def curable(left: ReportsConfig) -> bool:
        return worth_retrying(left, recipients=recipients, smtp=smtp, environ=os.environ)

    return send_with_retries(send, agency.reports, curable=curable, delays=delays, sleep=sleep)


def send_with_retries(
    send: Send,
    reports: ReportsConfig,
    *,
    curable: Callable[[ReportsConfig], bool],
    delays: Sequence[float],
    sleep: Callable[[float], None],
    rng: random.Random | None = None,
) -> DeliveryOutcome:
    """Send by every way of ``reports``, then, after each of ``delays``, by the ways not yet
    delivered while ``curable`` says one of them may work now. What was delivered is never
    sent again; the failures are those of the last try (it tried every way left)."""
    rng = rng or random.Random()
    outcome = send(reports)
    delivered = list(outcome.delivered)
    for delay in delays:
        left = undelivered(reports, delivered)
        if left is None or not curable(left):
            break
        sleep(delay * rng.uniform(1 - JITTER, 1 + JITTER))
        outcome = send(left)
        delivered += outcome.delivered
    return DeliveryOutcome(delivered=delivered, failures=list(outcome.failures))


def undelivered(reports: ReportsConfig, delivered: Sequence[str]) -> ReportsConfig | None:
    """``reports`` narrowed to the ways not in ``delivered``; None when every way was."""
    email = reports.email and not any(d.startswith(EMAIL_DELIVERED) for d in delivered)
    channels = [c for c in reports.channels if c.url_env not in delivered]
    if not email and not channels:
        return None
    return reports.model_copy(update={"email": email, "channels": channels})


def worth_retrying(
    left: ReportsConfig,
    *,
    recipients: Sequence[str],
    smtp: SmtpServer,
    environ: Mapping[str, str],
) -> bool:
    """Whether a way in ``left`` has everything it needs, so its failure came from outside."""
    if left.email and recipients and smtp.host and smtp.sender:
        return True
    return any(_readable(environ.get(c.url_env, "").strip()) for c in left.channels)


def _readable(url: str) -> bool:
    return bool(url) and apprise.Apprise.instantiate(url) is not None
