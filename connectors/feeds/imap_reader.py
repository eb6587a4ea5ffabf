"""New mail from an IMAP mailbox, read without changing it: what every mail source shares (the
job-alert feed, the notification inbox).

The mailbox is opened with EXAMINE (read-only) and mail is fetched with ``BODY.PEEK[]``, so
nothing is marked read; no command that deletes, moves or flags mail is ever sent (nor CLOSE,
which expunges in a read-write mailbox). Mail already read is remembered by UID: the cursor is
``{"uidvalidity": V, "last_uid": N}``.
"""

from __future__ import annotations

import imaplib
import os
import socket
import ssl
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any, Literal

from bidflow.config.feeds import ImapMailboxConfig
from bidflow.errors import FeedError
from connectors.feeds.alert_mail import AlertMail
from connectors.feeds.imap_wire import fetched_bodies, mailbox_name, quoted, reason, searchable


@dataclass
class NewMail:
    """One poll's raw mail, oldest first, as ``(uid, bytes)``; the cursor to save once it is
    processed; the mailbox's UIDVALIDITY; and lines about what could not be read."""

    mails: list[tuple[int, bytes]]
    cursor: dict[str, Any]
    uidvalidity: int | None
    problems: list[str] = field(default_factory=list)


def mailbox_settings(config: ImapMailboxConfig) -> dict[str, Any]:
    """The ``MailboxReader`` fields an agency config's mailbox section sets."""
    return {
        "host": config.host,
        "username": config.username,
        "port": config.port,
        "tls": config.tls,
        "password_env": config.password_env,
        "mailbox": config.mailbox,
        "from_contains": config.from_contains,
        "subject_contains": config.subject_contains,
        "max_messages": config.max_messages,
    }


@dataclass
class MailboxReader:
    """An IMAP mailbox read for mail that arrived since the cursor.

    ``from_contains`` and ``subject_contains`` are searched on the server (IMAP SEARCH FROM /
    SUBJECT: a case-insensitive substring match) so other mail is never downloaded; a value
    with non-ASCII characters is matched on the decoded headers instead (``wanted``), because
    IMAP can only search such text through a literal.
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

    @property
    def where(self) -> str:
        """The server as messages name it: ``host:port``."""
        return f"{self.host}:{self.port}"

    def read_new(self, cursor: Mapping[str, Any]) -> NewMail:
        """The mail that arrived since ``cursor``'s UID (all of it when the server renumbered
        the mailbox), at most ``max_messages``. Raises FeedError when the mailbox cannot be
        read at all."""
        password = os.environ.get(self.password_env)
        if not password:
            raise FeedError(f"{self.name}: set {self.password_env} to the mailbox password")
        problems: list[str] = []
        with self._session(password) as imap:
            validity = self._examine(imap)
            last_uid = self._resume_after(cursor, validity, problems)
            uids = self._new_uids(imap, last_uid)[: self.max_messages]
            mails, read_up_to = self._download(imap, uids, last_uid, problems)
        return NewMail(mails, {"uidvalidity": validity, "last_uid": read_up_to}, validity, problems)

    def wanted(self, mail: AlertMail) -> bool:
        """The filters the server could not apply (non-ASCII values), on decoded headers."""
        return all(
            not value or searchable(value) or value.casefold() in header.casefold()
            for value, header in (
                (self.from_contains, mail.sender),
                (self.subject_contains, mail.subject),
            )
        )

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
        self, cursor: Mapping[str, Any], validity: int | None, problems: list[str]
    ) -> int:
        """The last UID read by earlier polls; 0 when the server renumbered the mailbox."""
        last = cursor.get("last_uid")
        if not isinstance(last, int) or last < 0:
            return 0
        if cursor.get("uidvalidity") != validity:
            problems.append(
                f"{self.name}: mailbox '{self.mailbox}' was renumbered (UIDVALIDITY"
                f" {cursor.get('uidvalidity')} -> {validity}); reading it again from the start,"
                " what was stored before is skipped"
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
        self, imap: imaplib.IMAP4, uids: list[int], last_uid: int, problems: list[str]
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
                problems.append(
                    f"{self.name}: the connection to {self.where} was lost after {start} of"
                    f" {len(uids)} new mails ({reason(exc)}); the rest are read next poll"
                )
                return mails, uids[start - 1]
            if status != "OK":
                problems.append(
                    f"{self.name}: {self.where} would not send mail UIDs {chunk[0]}-{chunk[-1]}"
                    f" ({reason(data[-1] if data else status)}); skipped"
                )
            bodies = fetched_bodies(data)
            mails += [(uid, bodies[uid]) for uid in chunk if uid in bodies]
        return mails, uids[-1] if uids else last_uid
