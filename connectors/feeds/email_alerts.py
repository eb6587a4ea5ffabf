"""Marketplace job-alert emails, read from an IMAP mailbox without changing it (the reading is
``connectors.feeds.imap_reader``'s; this module turns the mail into jobs)."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Any

from bidflow.config.feeds import EmailFeedConfig
from connectors.feeds.alert_mail import AlertMail, read_mail
from connectors.feeds.alert_parsing import job_items
from connectors.feeds.base import FeedBatch, FetchContext
from connectors.feeds.imap_reader import MailboxReader, mailbox_settings
from connectors.feeds.items import IDENTITY_MAPPING, add_new_items


@dataclass
class EmailAlertSource(MailboxReader):
    """An IMAP mailbox of job-alert emails (see ``MailboxReader`` for what is read and how)."""

    @classmethod
    def from_config(
        cls, feed: EmailFeedConfig, *, ssl_context: ssl.SSLContext | None = None
    ) -> EmailAlertSource:
        """The source for an ``email`` feed of the agency config."""
        return cls(name=feed.name, ssl_context=ssl_context, **mailbox_settings(feed))

    def fetch(self, context: FetchContext) -> FeedBatch:
        """The jobs of mail that arrived since the cursor's UID, oldest first."""
        new = self.read_new(context.cursor)
        batch = FeedBatch(source=self.name, problems=new.problems, cursor=new.cursor)
        self._read_jobs(new.mails, context, batch)
        return batch

    def _read_jobs(
        self, mails: list[tuple[int, bytes]], context: FetchContext, batch: FeedBatch
    ) -> None:
        """The jobs of ``mails`` into ``batch``: once each, unread when already stored."""
        found: dict[str, tuple[str, dict[str, Any]]] = {}
        for uid, raw in mails:
            try:
                mail = read_mail(raw)
                if not self.wanted(mail):
                    continue
                items, notes = job_items(mail, now=context.now)
            except Exception as exc:  # one unreadable mail must not cost the others
                batch.problems.append(
                    f"{self.name}: mail UID {uid} cannot be read ({type(exc).__name__}: {exc})"
                )
                continue
            label = f"{self.name}: mail UID {uid} '{' '.join(mail.subject.split())[:80]}'"
            batch.problems += [f"{label}: {note}" for note in notes]
            if not items:
                batch.problems.append(f"{label}: {_why_no_jobs(mail)}; skipped")
            for item in items:
                item["external_id"] = str(item["external_id"])[:255]
                item["mail"] = {"uid": uid, "message_id": mail.message_id, "subject": mail.subject}
                # The same job in two alerts of one poll is read once, from the older mail.
                found.setdefault(item["external_id"], (label, item))
        labelled = [
            (f"{label}: job {external_id}", item, external_id)
            for external_id, (label, item) in found.items()
        ]
        add_new_items(batch, labelled, IDENTITY_MAPPING, context=context)


def _why_no_jobs(mail: AlertMail) -> str:
    if mail.html is None and mail.text is None:
        return f"no text or HTML body{mail.broken_mime}"
    return "no job links or job details in it"
