"""Marketplace job-alert emails, read from an IMAP mailbox without changing it.

The mailbox is opened with EXAMINE (read-only) and mail is fetched with ``BODY.PEEK[]``, so
nothing is marked read; no command that deletes, moves or flags mail is ever sent (nor CLOSE,
which expunges in a read-write mailbox). Processed mail is remembered by UID: the cursor is
``{"uidvalidity": V, "last_uid": N}``.
"""

from __future__ import annotations

import imaplib
import os
import socket
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any, Literal

from bidflow.config.feeds import EmailFeedConfig
from bidflow.errors import FeedError
from connectors.feeds.alert_mail import AlertMail, read_mail
from connectors.feeds.alert_parsing import job_items
from connectors.feeds.base import FeedBatch, FetchContext
from connectors.feeds.imap_wire import fetched_bodies, mailbox_name, quoted, reason, searchable
from connectors.feeds.items import IDENTITY_MAPPING, add_new_items


@dataclass
class EmailAlertSource:
    """An IMAP mailbox of job-alert emails.

    ``from_contains`` and ``subject_contains`` are searched on the server (IMAP SEARCH FROM /
    SUBJECT: a case-insensitive substring match) so other mail is never downloaded; a value
    with non-ASCII characters is matched here on the decoded headers instead, because IMAP
    can only search such text through a literal.
    """

    name: str
    host: str
    username: str
    port: int = 993
    tls: Literal["ssl", "starttls", "none"] = "ssl"
    password_env: str = "BIDFLOW_IMAP_PASSWORD"
    mailbox: str = "INBOX"
    from_contains: str | None = None
    subject_contains: str | None = None
    max_messages: int = 200  # per poll, oldest first; the rest wait for the next poll
    timeout_s: float = 30.0
    ssl_context: ssl.SSLContext | None = None  # None: verify against the system's CAs
    fetch_chunk: int = 20  # mails per UID FETCH: few round trips, bounded memory

    @classmethod
    def from_config(
        cls, feed: EmailFeedConfig, *, ssl_context: ssl.SSLContext | None = None
    ) -> EmailAlertSource:
        """The source for an ``email`` feed of the agency config."""
        return cls(
            name=feed.name,
            host=feed.host,
            username=feed.username,
            port=feed.port,
            tls=feed.tls,
            password_env=feed.password_env,
            mailbox=feed.mailbox,
            from_contains=feed.from_contains,
            subject_contains=feed.subject_contains,
            max_messages=feed.max_messages,
            ssl_context=ssl_context,
        )

    @property
    def where(self) -> str:
        """The server as messages name it: ``host:port``."""
        return f"{self.host}:{self.port}"

    def fetch(self, context: FetchContext) -> FeedBatch:
        """The jobs of mail that arrived since the cursor's UID, oldest first."""
        password = os.environ.get(self.password_env)
        if not password:
            raise FeedError(f"{self.name}: set {self.password_env} to the mailbox password")
        batch = FeedBatch(source=self.name)
        with self._session(password) as imap:
            validity = self._examine(imap)
            last_uid = self._resume_after(context.cursor, validity, batch)
            uids = self._new_uids(imap, last_uid)[: self.max_messages]
            mails, read_up_to = self._download(imap, uids, last_uid, batch)
        batch.cursor = {"uidvalidity": validity, "last_uid": read_up_to}
        self._read_jobs(mails, context, batch)
        return batch

    @contextmanager
    def _session(self, password: str) -> Iterator[imaplib.IMAP4]:
        """A logged-in connection; any failure becomes one FeedError saying what to check."""
        imap = self._connect()
        try:
            try:
                imap.login(quoted(self.username), password)
            except UnicodeEncodeError:
                raise FeedError(
                    f"{self.name}: IMAP LOGIN can only send ASCII; check username and"
                    f" {self.password_env}"
                ) from None
            except imaplib.IMAP4.abort:
                raise
            except imaplib.IMAP4.error as exc:
                raise FeedError(
                    f"{self.name}: {self.where} refused the login of {self.username}"
                    f" ({reason(exc)}); check username and {self.password_env} (Gmail and"
                    " Outlook need an app password)"
                ) from None
            yield imap
        except (imaplib.IMAP4.error, OSError) as exc:
            raise FeedError(
                f"{self.name}: the connection to {self.where} failed ({reason(exc)});"
                " the next poll tries again"
            ) from None
        finally:
            # LOGOUT only: CLOSE would expunge deleted mail in a mailbox opened read-write.
            with suppress(imaplib.IMAP4.error, OSError):
                imap.logout()

    def _connect(self) -> imaplib.IMAP4:
        """A connection that has greeted us, over TLS unless ``tls`` is "none"."""
        context = self.ssl_context or ssl.create_default_context()
        hint = "check host, port and tls (IMAP is usually 993 with ssl, 143 with starttls)"
        try:
            if self.tls == "ssl":
                return imaplib.IMAP4_SSL(
                    self.host, self.port, ssl_context=context, timeout=self.timeout_s
                )
            imap = imaplib.IMAP4(self.host, self.port, timeout=self.timeout_s)
            if self.tls == "starttls":
                try:
                    imap.starttls(context)
                except BaseException:
                    imap.shutdown()
                    raise
            return imap
        except ssl.SSLError as exc:
            why = f"TLS with {self.where} failed ({reason(exc)}); {hint}, and its certificate"
        except TimeoutError:
            why = f"{self.where} did not answer within {self.timeout_s:g} s; {hint}"
        except ConnectionRefusedError:
            why = f"{self.where} refused the connection; {hint}"
        except socket.gaierror as exc:
            why = f"cannot find host {self.host} ({exc.strerror}); check host"
        except (OSError, imaplib.IMAP4.error) as exc:
            why = f"cannot talk IMAP with {self.where} ({reason(exc)}); {hint}"
        raise FeedError(f"{self.name}: {why}")

    def _examine(self, imap: imaplib.IMAP4) -> int | None:
        """Open the mailbox read-only; its UIDVALIDITY (None if the server names none)."""
        status, data = imap.select(mailbox_name(self.mailbox), readonly=True)
        if status != "OK":
            raise FeedError(
                f"{self.name}: {self.where} cannot open mailbox '{self.mailbox}'"
                f" ({reason(data[-1] if data else status)}); check mailbox (names are"
                " case-sensitive)"
            )
        value = imap.response("UIDVALIDITY")[1][0]
        return int(value) if isinstance(value, bytes) and value.isdigit() else None

    def _resume_after(
        self, cursor: Mapping[str, Any], validity: int | None, batch: FeedBatch
    ) -> int:
        """The last UID read by earlier polls; 0 when the server renumbered the mailbox."""
        last = cursor.get("last_uid")
        if not isinstance(last, int) or last < 0:
            return 0
        if cursor.get("uidvalidity") != validity:
            batch.problems.append(
                f"{self.name}: mailbox '{self.mailbox}' was renumbered (UIDVALIDITY"
                f" {cursor.get('uidvalidity')} -> {validity}); reading it again from the start,"
                " jobs already stored are skipped"
            )
            return 0
        return last

    def _new_uids(self, imap: imaplib.IMAP4, last_uid: int) -> list[int]:
        """UIDs above ``last_uid`` that pass the server-side filters, oldest first."""
        criteria = ["UID", f"{last_uid + 1}:*"]
        for key, value in (("FROM", self.from_contains), ("SUBJECT", self.subject_contains)):
            if value and searchable(value):
                criteria += [key, quoted(value)]
        status, data = imap.uid("SEARCH", *criteria)
        if status != "OK":
            raise FeedError(
                f"{self.name}: {self.where} refused to search '{self.mailbox}'"
                f" ({reason(data[-1] if data else status)})"
            )
        found = {int(n) for line in data if isinstance(line, bytes) for n in line.split()}
        # "N+1:*" also matches the newest mail when nothing is newer than N (RFC 3501 6.4.8).
        return sorted(uid for uid in found if uid > last_uid)

    def _download(
        self, imap: imaplib.IMAP4, uids: list[int], last_uid: int, batch: FeedBatch
    ) -> tuple[list[tuple[int, bytes]], int]:
        """The raw mails of ``uids`` and the UID read up to. A connection lost after the first
        chunk keeps what was read; the cursor stops there."""
        mails: list[tuple[int, bytes]] = []
        for start in range(0, len(uids), self.fetch_chunk):
            chunk = uids[start : start + self.fetch_chunk]
            try:
                status, data = imap.uid("FETCH", ",".join(map(str, chunk)), "(BODY.PEEK[])")
            except (imaplib.IMAP4.abort, OSError) as exc:
                if not start:
                    raise
                batch.problems.append(
                    f"{self.name}: the connection to {self.where} was lost after {start} of"
                    f" {len(uids)} new mails ({reason(exc)}); the rest are read next poll"
                )
                return mails, uids[start - 1]
            if status != "OK":
                batch.problems.append(
                    f"{self.name}: {self.where} would not send mail UIDs {chunk[0]}-{chunk[-1]}"
                    f" ({reason(data[-1] if data else status)}); skipped"
                )
            bodies = fetched_bodies(data)
            mails += [(uid, bodies[uid]) for uid in chunk if uid in bodies]
        return mails, uids[-1] if uids else last_uid

    def _read_jobs(
        self, mails: list[tuple[int, bytes]], context: FetchContext, batch: FeedBatch
    ) -> None:
        """The jobs of ``mails`` into ``batch``: once each, unread when already stored."""
        found: dict[str, tuple[str, dict[str, Any]]] = {}
        for uid, raw in mails:
            try:
                mail = read_mail(raw)
                if not self._wanted(mail):
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

    def _wanted(self, mail: AlertMail) -> bool:
        """The filters the server could not apply (non-ASCII values), on decoded headers."""
        return all(
            not value or searchable(value) or value.casefold() in header.casefold()
            for value, header in (
                (self.from_contains, mail.sender),
                (self.subject_contains, mail.subject),
            )
        )


def _why_no_jobs(mail: AlertMail) -> str:
    if mail.html is None and mail.text is None:
        broken = (
            f" (malformed MIME: {', '.join(sorted(set(mail.defects)))})" if mail.defects else ""
        )
        return f"no text or HTML body{broken}"
    return "no job links or job details in it"
