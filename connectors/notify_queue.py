"""Queueing alerts, the first step of a notifier run (inside its claiming transaction): one per
(new reply, recipient), group alerts (a feed failing) routed to people, and escalations of
reply alerts nobody acknowledged in time. Every step is keyed, so repeating it is harmless."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from bidflow.models import Alert, Bidder, Job, Message, Proposal, User
from bidflow.store.alerts import (
    ESCALATION,
    overdue_alerts,
    queue_escalations,
    queue_reply_alerts,
    route_group_alert,
    unrouted_group_alerts,
)
from connectors.notifier import Notifier
from connectors.notify_render import (
    NOTICE_CHARS,
    News,
    Notice,
    ReplyNews,
    Style,
    duration,
    excerpt,
    one_line,
    render,
    single,
)
from rules.alert_routing import escalation_recipients, owner_recipients, reply_recipients

log = logging.getLogger(__name__)

# Message kinds that need a person soon; views and status changes wait for the inbox.
ALERTING_KINDS = frozenset({"reply"})
# A reply (or a feed alert) older than this when first seen is history (a backfill), not news.
LOOKBACK = timedelta(days=1)
# Titles of alerts about bidflow itself, by kind; our own words, like every title.
NOTICE_TITLES = {"source_failing": "Feed failing", "flow_failing": "Flow failing"}
_STORED = Style("text", chat=False)  # the text an alert row keeps, for the record


def alert_new_replies(*, session: Session, notifier: Notifier, now: datetime) -> int:
    """Queue alerts for replies received in the last day; already-alerted ones are skipped by
    their dedupe keys. Returns the alerts queued."""
    query = (
        select(Message)
        .where(col(Message.kind).in_(ALERTING_KINDS), col(Message.received_at) >= now - LOOKBACK)
        .order_by(col(Message.received_at), col(Message.id))
    )
    users = session.exec(select(User)).all()
    return sum(
        _alert_on_message(session, notifier, users, message, now)
        for message in session.exec(query).all()
    )


def route_group_alerts(*, session: Session, notifier: Notifier, now: datetime) -> int:
    """Pass alerts raised for the owners (a feed failing) on to the owners who are notify
    recipients, else the sales leads; returns the alerts queued. With nobody to tell, the
    alert waits, and is routed as soon as someone is configured (within a day)."""
    users = session.exec(select(User)).all()
    reachable = [r.email for r in notifier.config.recipients]
    queued = 0
    for alert in unrouted_group_alerts(session=session, since=now - LOOKBACK):
        people = owner_recipients(users, reachable=reachable)
        if not people:
            log.warning("alert %s (%s) alerts nobody: no owner or lead", alert.id, alert.kind)
            continue
        queued += len(route_group_alert(session=session, alert=alert, recipients=people, now=now))
    return queued


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
        leads = escalation_recipients(
            users, reachable=reachable, already_told=_told(session, alert)
        )
        if not leads:
            continue  # left as sent: a lead added to the config later still gets it
        news = _escalated_news(session, alert, notifier.config.excerpt_chars, after)
        text = render(single(news, [notifier.inbox]), _STORED)
        queued += len(
            queue_escalations(session=session, alert=alert, recipients=leads, text=text, now=now)
        )
    return queued


def news_of_alert(session: Session, alert: Alert, notifier: Notifier) -> News:
    """What ``alert`` tells, read fresh from the database (the proposal may have moved on)."""
    limit = notifier.config.excerpt_chars
    if alert.kind == ESCALATION and notifier.config.escalate_after is not None:
        original = _original_of(session, alert)
        if original is not None:
            return _escalated_news(session, original, limit, notifier.config.escalate_after)
    message = session.get(Message, alert.message_id) if alert.message_id else None
    if message is not None:
        return _news_of(session, message, limit)
    if alert.kind in NOTICE_TITLES:
        return Notice(NOTICE_TITLES[alert.kind], one_line(alert.text, NOTICE_CHARS))
    # A reply alert whose message is gone: its stored text is all there is.
    return ReplyNews(job_title=None, excerpt=alert.text, since_sent=None, bidder=None)


def _alert_on_message(
    session: Session, notifier: Notifier, users: Sequence[User], message: Message, now: datetime
) -> int:
    """Queue the alerts of one reply (routed to its account managers); returns how many."""
    proposal = session.get(Proposal, message.proposal_id) if message.proposal_id else None
    recipients = reply_recipients(
        users,
        bidder_id=proposal.bidder_id if proposal else None,
        reachable=[r.email for r in notifier.config.recipients],
    )
    if not recipients:
        log.warning("reply %s alerts nobody: no notify recipient can be routed to", message.id)
        return 0
    news = _news_of(session, message, notifier.config.excerpt_chars)
    queued = queue_reply_alerts(
        session=session,
        message=message,
        recipients=recipients,
        text=render(single(news, [notifier.inbox]), _STORED),
        window=notifier.config.dedupe_window,
        now=now,
    )
    return len(queued)


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


def _escalated_news(session: Session, alert: Alert, limit: int, after: timedelta) -> ReplyNews:
    message = session.get(Message, alert.message_id) if alert.message_id else None
    note = f"Not acknowledged by {alert.recipient} within {duration(after)}."
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
