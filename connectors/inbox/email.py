"""The marketplace's notification emails as an inbox source: an IMAP mailbox read without
changing it (``connectors.feeds.imap_reader``, shared with the job-alert feed), each
notification one ``InboxItem`` (``connectors.inbox.notification_mail``).

Mail that is no notification (job alerts, newsletters, anyone else's mail) is skipped and
counted; a notification that cannot be read is a problem line naming its UID and subject, and
the rest of the poll goes on.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass

from bidflow.config.inbox import EmailInboxConfig
from connectors.feeds.alert_mail import read_mail
from connectors.feeds.imap_reader import MailboxReader, mailbox_settings
from connectors.inbox.base import InboxBatch, InboxContext
from connectors.inbox.notification_mail import UnreadableNotification, notification_item


@dataclass
class EmailInboxSource(MailboxReader):
    """A mailbox receiving the marketplace's notification emails (``InboxSource``)."""

    @classmethod
    def from_config(
        cls, entry: EmailInboxConfig, *, ssl_context: ssl.SSLContext | None = None
    ) -> EmailInboxSource:
        """The source for an ``email`` entry of the agency config's ``inbox``."""
        return cls(name=entry.name, ssl_context=ssl_context, **mailbox_settings(entry))

    def fetch(self, context: InboxContext) -> InboxBatch:
        """The notifications that arrived since the cursor's UID, oldest first."""
        new = self.read_new(context.cursor)
        batch = InboxBatch(source=self.name, problems=new.problems, cursor=new.cursor)
        for uid, raw in new.mails:
            # The Message-ID names a mail for good; UIDs only within one UIDVALIDITY.
            fallback_id = f"{new.uidvalidity}:{uid}"
            subject = ""
            try:
                mail = read_mail(raw)
                subject = " ".join(mail.subject.split())[:80]
                item = None
                if self.wanted(mail):
                    item = notification_item(mail, fallback_id=fallback_id, now=context.now)
                if item is None:
                    batch.skipped += 1
                    continue
            except UnreadableNotification as missing:
                batch.problems.append(
                    f"{self.name}: mail UID {uid} '{subject}': {missing}; skipped"
                )
                continue
            except Exception as exc:  # one unreadable mail must not cost the others
                batch.problems.append(
                    f"{self.name}: mail UID {uid} '{subject}' cannot be read"
                    f" ({type(exc).__name__}: {exc}); skipped"
                )
                continue
            batch.items.append(item)
        return batch
