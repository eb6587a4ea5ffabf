"""Alerts about clients' replies, sent through apprise URLs (Slack, Teams, Discord, email,
webhooks...).

One run (:func:`run_notifier`) queues an alert per (new reply, recipient), passes alerts nobody
acknowledged in time on to the sales leads, sends what is pending (holding it during the
recipient's quiet hours) and sends a digest of what was held once the hours are over.

The reply and the job title come from the client: they are escaped for what each service
renders. A service that shows plain text gets plain text; every other one gets HTML escaped
here, which apprise turns into escaped Markdown for chat services. That is also apprise's only
path into Slack that keeps a client's ``<!channel>`` from becoming a mention (its plain
Markdown path restores such mentions), and chat mentions like ``@everyone`` are broken with a
zero-width space so no client can ping a whole workspace.
"""

from __future__ import annotations

import html
import logging
import os
import random
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import apprise
from sqlmodel import Session, col, select

from bidflow.config.notify import DigestMode, NotifyConfig, Recipient
from bidflow.models import Alert, Bidder, Job, Message, Proposal, User
from bidflow.settings import Settings
from bidflow.store.alerts import (
    ESCALATION,
    AlertStatus,
    alerts_with_status,
    held_by_recipient,
    mark,
    new_reply_text,
    overdue_alerts,
    queue_escalations,
    queue_reply_alerts,
)
from bidflow.store.events import record_event
from connectors.llm_retry import Backoff
from rules.alert_routing import escalation_recipients, reply_recipients

log = logging.getLogger(__name__)

# Message kinds that need a person soon; views and status changes wait for the inbox.
ALERTING_KINDS = frozenset({"reply"})
# A reply older than this when first seen is history (a backfill), not news.
LOOKBACK = timedelta(days=1)
TextFormat = Literal["text", "html"]
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_MENTION = re.compile(r"@")


@dataclass(frozen=True)
class ReplyNews:
    """One reply as an alert tells it; every text field here is the client's (untrusted)."""

    job_title: str | None
    excerpt: str
    since_sent: timedelta | None  # from the proposal's sending to the reply
    bidder: str | None
    note: str | None = None  # ours: why a lead gets it ("not acknowledged by ... in 15 min")


@dataclass(frozen=True)
class AlertMessage:
    """What one notification says: our own title, the replies, and the way to the inbox."""

    title: str
    replies: Sequence[ReplyNews]
    inbox_url: str
    more: int = 0  # replies a digest leaves out


@dataclass(frozen=True)
class Style:
    """How a service shows a body: plain text, or HTML (email; chat via apprise's Markdown)."""

    format: TextFormat
    chat: bool  # mentions must be broken: the service notifies people named in text


@dataclass
class Notifier:
    """Everything a run needs besides the database: the config, the way to the desk, the
    agency's timezone, and (for tests) the clock's sleep, randomness and environment."""

    config: NotifyConfig
    desk_url: str
    timezone: str = "UTC"
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)

    @property
    def inbox_url(self) -> str:
        return f"{self.desk_url.rstrip('/')}/inbox"

    @property
    def backoff(self) -> Backoff:
        retry = self.config.retry
        return Backoff(
            retry.attempts, retry.backoff.total_seconds(), retry.max_wait.total_seconds()
        )


@dataclass(frozen=True)
class RunSummary:
    """What one run did, for logs and the CLI."""

    queued: int
    escalated: int
    sent: int
    held: int
    failed: int
    digests: int


def desk_url(settings: Settings) -> str:
    """The review desk's address as alert links use it: BIDFLOW_DESK_URL, else the listening
    address (which works on the desk's own machine only)."""
    if settings.desk_url:
        return settings.desk_url.rstrip("/")
    host = "127.0.0.1" if settings.web_host in ("0.0.0.0", "::") else settings.web_host
    return f"http://{host}:{settings.web_port}"


def run_notifier(*, session: Session, notifier: Notifier, now: datetime) -> RunSummary:
    """One pass: queue alerts for new replies, escalate overdue ones, send, send digests."""
    queued = alert_new_replies(session=session, notifier=notifier, now=now)
    escalated = escalate_overdue(session=session, notifier=notifier, now=now)
    sent, held, failed = deliver_pending(session=session, notifier=notifier, now=now)
    digests = send_digests(session=session, notifier=notifier, now=now)
    return RunSummary(queued, escalated, sent, held, failed, digests)


# --- queueing ------------------------------------------------------------------------------


def alert_new_replies(*, session: Session, notifier: Notifier, now: datetime) -> int:
    """Queue alerts for replies received in the last day; already-alerted ones are skipped by
    their dedupe keys, so running this often is harmless. Returns the alerts queued."""
    query = (
        select(Message)
        .where(col(Message.kind).in_(ALERTING_KINDS), col(Message.received_at) >= now - LOOKBACK)
        .order_by(col(Message.received_at), col(Message.id))
    )
    return sum(
        len(alert_on_message(session=session, notifier=notifier, message=message, now=now))
        for message in session.exec(query).all()
    )


def alert_on_message(
    *, session: Session, notifier: Notifier, message: Message, now: datetime
) -> list[str]:
    """Queue the alerts of one reply (routed to its account managers); returns who gets one."""
    proposal = session.get(Proposal, message.proposal_id) if message.proposal_id else None
    users = session.exec(select(User)).all()
    recipients = reply_recipients(
        users,
        bidder_id=proposal.bidder_id if proposal else None,
        reachable=[r.email for r in notifier.config.recipients],
    )
    if not recipients:
        log.warning("reply %s alerts nobody: no notify recipient can be routed to", message.id)
        return []
    news = _news_of(session, message, notifier.config.excerpt_chars)
    text = render(_single(news, notifier.inbox_url), Style("text", chat=False))
    return queue_reply_alerts(
        session=session,
        message=message,
        recipients=recipients,
        text=text,
        window=notifier.config.dedupe_window,
        now=now,
    )


def escalate_overdue(*, session: Session, notifier: Notifier, now: datetime) -> int:
    """Pass reply alerts nobody acknowledged within ``escalate_after`` on to the sales leads;
    returns the escalation alerts queued."""
    after = notifier.config.escalate_after
    if after is None:
        return 0
    users = session.exec(select(User)).all()
    reachable = [r.email for r in notifier.config.recipients]
    queued = 0
    for alert in overdue_alerts(
        session=session, now=now, after=after, window=notifier.config.dedupe_window
    ):
        news = _escalated_news(session, alert, notifier.config.excerpt_chars, after)
        leads = escalation_recipients(
            users, reachable=reachable, already_told=_told(session, alert)
        )
        if not leads:
            continue  # left as sent: a lead added to the config later still gets it
        text = render(_single(news, notifier.inbox_url), Style("text", chat=False))
        queued += len(
            queue_escalations(session=session, alert=alert, recipients=leads, text=text, now=now)
        )
    return queued


# --- delivery ------------------------------------------------------------------------------


def deliver_pending(*, session: Session, notifier: Notifier, now: datetime) -> tuple[int, int, int]:
    """Send pending alerts, or hold them in their recipient's quiet hours; returns (sent, held,
    failed)."""
    sent = held = failed = 0
    for alert in alerts_with_status(session=session, status=AlertStatus.PENDING):
        recipient = notifier.config.recipient(alert.recipient)
        if recipient is not None and in_quiet_hours(recipient, now, notifier.timezone):
            mark(session=session, alerts=[alert], status=AlertStatus.HELD)
            held += 1
            continue
        message = _single(_news_of_alert(session, alert, notifier), notifier.inbox_url)
        if _send_alerts(session, notifier, recipient, [alert], message, now):
            sent += 1
        else:
            failed += 1
    return sent, held, failed


def send_digests(*, session: Session, notifier: Notifier, now: datetime) -> int:
    """For each recipient whose quiet hours are over, send what was held: as one digest, or
    one by one (``digest.mode: each``). Returns the notifications sent."""
    sent = 0
    for email, alerts in held_by_recipient(session=session).items():
        recipient = notifier.config.recipient(email)
        if recipient is not None and in_quiet_hours(recipient, now, notifier.timezone):
            continue
        if notifier.config.digest.mode is DigestMode.EACH:
            for alert in alerts:
                message = _single(_news_of_alert(session, alert, notifier), notifier.inbox_url)
                sent += int(_send_alerts(session, notifier, recipient, [alert], message, now))
        else:
            message = _digest([_news_of_alert(session, a, notifier) for a in alerts], notifier)
            sent += int(_send_alerts(session, notifier, recipient, alerts, message, now))
    return sent


def in_quiet_hours(recipient: Recipient, now: datetime, agency_timezone: str) -> bool:
    """Whether ``now`` falls in the recipient's quiet hours, on their clock."""
    if recipient.quiet_hours is None:
        return False
    local = now.astimezone(ZoneInfo(recipient.timezone or agency_timezone))
    return recipient.quiet_hours.contains(local.time())


def _send_alerts(
    session: Session,
    notifier: Notifier,
    recipient: Recipient | None,
    alerts: Sequence[Alert],
    message: AlertMessage,
    now: datetime,
) -> bool:
    """Deliver ``message`` on every channel of ``recipient`` and record the outcome on
    ``alerts``: sent if at least one channel delivered (the person has it), else failed."""
    channels = recipient.channels if recipient is not None else []
    delivered: list[str] = []
    errors: dict[str, str] = {}
    for channel in channels:
        error = _deliver_with_retries(notifier, channel.url_env, message)
        if error is None:
            delivered.append(channel.url_env)
        else:
            errors[channel.url_env] = error
    if not channels:
        errors["-"] = "the recipient has no channels in the notify config"
    status = AlertStatus.SENT if delivered else AlertStatus.FAILED
    mark(session=session, alerts=alerts, status=status, at=now)
    for alert in alerts:
        assert alert.id is not None  # rows read back from the database
        record_event(
            session=session,
            entity="alert",
            entity_id=alert.id,
            action=f"alert_{status.value}",
            actor="notifier",
            at=now,
            data={"channels": delivered, "errors": errors, "batch": len(alerts)},
        )
    if errors:
        log.warning("alert to %s: %s", alerts[0].recipient, errors)
    return bool(delivered)


def _deliver_with_retries(notifier: Notifier, url_env: str, message: AlertMessage) -> str | None:
    """Send through the channel whose URL ``url_env`` holds, with exponential backoff; None if
    delivered, else the last error. A missing variable or a URL apprise cannot read is not
    retried: waiting does not fix configuration."""
    url = notifier.environ.get(url_env, "").strip()
    if not url:
        return f"environment variable {url_env} is not set"
    backoff = notifier.backoff
    error: str | None = None
    for tries in range(1, backoff.attempts + 1):
        try:
            error = send_apprise(url, title=message.title, render=lambda s: render(message, s))
        except UnreadableURL as exc:
            return str(exc)
        if error is None:
            return None
        if tries < backoff.attempts:
            notifier.sleep(backoff.delay(tries, None, notifier.rng))
    return error


class UnreadableURL(ValueError):
    """Apprise does not know what to do with this URL."""


def send_apprise(url: str, *, title: str, render: Callable[[Style], str]) -> str | None:
    """Send one notification to one apprise URL, the body rendered for what the service shows;
    None if apprise reports success, else its warnings. The only function that calls apprise."""
    plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        raise UnreadableURL(
            "apprise cannot read the channel's URL; check its scheme and parameters"
            " (https://github.com/caronc/apprise/wiki)"
        )
    service_format = plugin.notify_format
    style = Style(
        "text" if service_format == apprise.NotifyFormat.TEXT else "html",
        chat=service_format == apprise.NotifyFormat.MARKDOWN,
    )
    sender = apprise.Apprise()
    sender.add(plugin)
    # Apprise reports why a send failed only through its log.
    with apprise.LogCapture(level=logging.WARNING) as captured:  # type: ignore[no-untyped-call]
        ok = sender.notify(body=render(style), title=title, body_format=style.format)
        warnings = str(captured.getvalue()).strip()
    return None if ok else (warnings or "apprise reported a failure")


# --- what alerts say -----------------------------------------------------------------------


def render(message: AlertMessage, style: Style) -> str:
    """The body of ``message`` for a service of ``style``, the client's words escaped."""
    if style.format == "html":
        return _render_html(message, style)
    return _render_text(message)


def _render_text(message: AlertMessage) -> str:
    blocks = []
    for news in message.replies:
        lines = [news.note] if news.note else []
        lines += [f"{_headline(news)}:", f"> {news.excerpt}"]
        blocks.append("\n".join(lines))
    if message.more:
        blocks.append(f"…and {message.more} more.")
    blocks.append(f"Inbox: {message.inbox_url}")
    return "\n\n".join(blocks)


def _render_html(message: AlertMessage, style: Style) -> str:
    def safe(text: str) -> str:
        escaped = html.escape(text, quote=True)
        # A zero-width space after @ keeps "@everyone" readable but no longer a mention.
        return _MENTION.sub("@\u200b", escaped) if style.chat else escaped

    parts = []
    for news in message.replies:
        if news.note:
            parts.append(f"<p><i>{safe(news.note)}</i></p>")
        parts.append(f"<p>{safe(_headline(news))}:</p>")
        parts.append(f"<blockquote>{safe(news.excerpt)}</blockquote>")
    if message.more:
        parts.append(f"<p>…and {message.more} more.</p>")
    link = html.escape(message.inbox_url, quote=True)
    parts.append(f'<p><a href="{link}">Open the inbox</a></p>')
    return "\n".join(parts)


def _headline(news: ReplyNews) -> str:
    job = f'"{news.job_title}"' if news.job_title else "a message matched to no proposal"
    who = f" ({news.bidder})" if news.bidder else ""
    after = f", {_duration(news.since_sent)} after sending" if news.since_sent else ""
    return f"Client replied on {job}{who}{after}"


def _duration(span: timedelta) -> str:
    minutes = max(int(span.total_seconds() // 60), 0)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} days"


def excerpt(body: str, limit: int) -> str:
    """The client's new words on one line, without control or direction-changing characters
    (they could fake a layout or reorder what a reader sees), cut at ``limit`` characters."""
    text = " ".join(_CONTROL.sub("", new_reply_text(body)).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _single(news: ReplyNews, inbox_url: str) -> AlertMessage:
    title = "Reply not acknowledged" if news.note else "Client reply"
    return AlertMessage(title=title, replies=[news], inbox_url=inbox_url)


def _digest(news: Sequence[ReplyNews], notifier: Notifier) -> AlertMessage:
    shown = news[: notifier.config.digest.max_items]
    count = len(news)
    replies = "1 client reply" if count == 1 else f"{count} client replies"
    title = f"{replies} while you were away"
    return AlertMessage(title, shown, notifier.inbox_url, more=count - len(shown))


def _news_of(session: Session, message: Message, limit: int) -> ReplyNews:
    row = session.exec(
        select(Proposal, Job, Bidder)
        .join(Job, col(Job.id) == Proposal.job_id)
        .join(Bidder, col(Bidder.id) == Proposal.bidder_id)
        .where(Proposal.id == message.proposal_id)
    ).first()
    proposal, job, bidder = row if row is not None else (None, None, None)
    sent_at = proposal.sent_at if proposal is not None else None
    return ReplyNews(
        job_title=job.title if job else None,
        excerpt=excerpt(message.body, limit),
        since_sent=message.received_at - sent_at if sent_at else None,
        bidder=bidder.name if bidder else None,
    )


def _news_of_alert(session: Session, alert: Alert, notifier: Notifier) -> ReplyNews:
    limit = notifier.config.excerpt_chars
    if alert.kind == ESCALATION and notifier.config.escalate_after is not None:
        original = _original_of(session, alert)
        if original is not None:
            return _escalated_news(session, original, limit, notifier.config.escalate_after)
    message = session.get(Message, alert.message_id) if alert.message_id else None
    if message is None:  # an alert of another kind: its stored text is all there is
        return ReplyNews(job_title=None, excerpt=alert.text, since_sent=None, bidder=None)
    return _news_of(session, message, limit)


def _escalated_news(session: Session, alert: Alert, limit: int, after: timedelta) -> ReplyNews:
    message = session.get(Message, alert.message_id) if alert.message_id else None
    note = f"Not acknowledged by {alert.recipient} within {_duration(after)}."
    if message is None:
        return ReplyNews(
            job_title=None, excerpt=alert.text, since_sent=None, bidder=None, note=note
        )
    news = _news_of(session, message, limit)
    return ReplyNews(news.job_title, news.excerpt, news.since_sent, news.bidder, note=note)


def _original_of(session: Session, escalation: Alert) -> Alert | None:
    """The reply alert an escalation passes on; its key is ``escalation:<id>:<recipient>``."""
    _, original_id, _ = escalation.dedupe_key.split(":", 2)
    return session.get(Alert, int(original_id)) if original_id.isdigit() else None


def _told(session: Session, alert: Alert) -> list[str]:
    """Everyone who already has this reply (every recipient of the message's alerts)."""
    if alert.message_id is None:
        return [alert.recipient]
    query = select(Alert.recipient).where(Alert.message_id == alert.message_id)
    return [alert.recipient, *session.exec(query).all()]
