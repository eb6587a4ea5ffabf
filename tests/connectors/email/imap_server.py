"""A small IMAP4rev1 server on 127.0.0.1 for tests: what imaplib sends when bidflow reads alert
mail (CAPABILITY, LOGIN, STARTTLS, SELECT/EXAMINE, UID SEARCH, UID FETCH, NOOP, LOGOUT), over
plain TCP, implicit TLS or STARTTLS. It records every command, so a test can assert that none
that changes mail (STORE, EXPUNGE, COPY, MOVE, CLOSE) was sent; anything else gets BAD."""

from __future__ import annotations

import base64
import re
import socket
import socketserver
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from typing import BinaryIO, Literal

_ARGUMENT = re.compile(r'"((?:[^"\\]|\\.)*)"|(\S+)')


@dataclass
class StoredMail:
    """One message in a mailbox: its UID, bytes and flags (``\\Seen`` once read)."""

    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)


@dataclass
class Mailbox:
    """A mailbox's messages in order, with the UIDVALIDITY they are numbered under."""

    uidvalidity: int
    mails: list[StoredMail] = field(default_factory=list)
    next_uid: int = 1


class ImapServer:
    """The server; ``commands`` holds every command line received, without its tag."""

    def __init__(
        self,
        *,
        username: str = "alerts@agency.test",
        password: str = "correct horse",
        tls: Literal["ssl", "starttls", "none"] = "none",
        context: ssl.SSLContext | None = None,
    ) -> None:
        self.username, self.password, self.tls, self.context = username, password, tls, context
        self.mailboxes: dict[str, Mailbox] = {"INBOX": Mailbox(uidvalidity=1000)}
        self.commands: list[str] = []
        self.uid_after_body = False  # some servers send the UID after the message literal
        self.drop_on_fetch_of: int | None = None  # hang up when a UID FETCH asks for this UID
        self._lock = threading.Lock()
        self._tcp = _TcpServer(("127.0.0.1", 0), _Handler)
        self._tcp.imap = self
        self.port: int = self._tcp.server_address[1]
        self._thread = threading.Thread(target=self._tcp.serve_forever, args=(0.05,), daemon=True)

    def add(self, raw: bytes, *, mailbox: str = "INBOX") -> int:
        """Deliver a message; returns its UID."""
        with self._lock:
            box = self.mailboxes.setdefault(mailbox, Mailbox(uidvalidity=2000))
            box.mails.append(StoredMail(box.next_uid, raw))
            box.next_uid += 1
            return box.next_uid - 1

    def renumber(self, mailbox: str = "INBOX") -> None:
        """What a server does after a rebuild: new UIDVALIDITY, UIDs counted from 1 again."""
        with self._lock:
            box = self.mailboxes[mailbox]
            box.uidvalidity += 1
            for number, mail in enumerate(box.mails, start=1):
                mail.uid = number
            box.next_uid = len(box.mails) + 1

    def verbs(self) -> list[str]:
        """The command names received, with UID's sub-command: ``["CAPABILITY", "UID FETCH"]``."""
        names = [line.split(" ", 2) for line in self.commands]
        return [" ".join(p[:2]).upper() if p[0].upper() == "UID" else p[0].upper() for p in names]

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._tcp.shutdown()
        self._tcp.server_close()
        self._thread.join(timeout=5)


@contextmanager
def running(server: ImapServer) -> Iterator[ImapServer]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


class _TcpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False
    imap: ImapServer


class _Handler(socketserver.BaseRequestHandler):
    """One client connection, from greeting to LOGOUT."""

    server: _TcpServer

    def handle(self) -> None:
        self.imap = self.server.imap
        self.sock: socket.socket = self.request
        self.sock.settimeout(10)
        self.tls_active = False
        self.logged_in = False
        self.box: Mailbox | None = None
        self.readonly = True
        self.reader: BinaryIO = self.sock.makefile("rb")
        try:
            if self.imap.tls == "ssl":
                self._start_tls()
            self._send(b"* OK bidflow test IMAP server ready")
            while line := self.reader.readline():
                tag, _, rest = line.rstrip(b"\r\n").decode("ascii").partition(" ")
                self.imap.commands.append(rest)
                if not self._answer(tag, rest):
                    return
        except (OSError, ssl.SSLError, UnicodeDecodeError):
            # The client hung up, failed TLS or spoke TLS to a plain server; its side sees that.
            return

    def _start_tls(self) -> None:
        assert self.imap.context is not None, "TLS needs a server context"
        self.sock = self.imap.context.wrap_socket(self.sock, server_side=True)
        self.tls_active = True
        self.reader = self.sock.makefile("rb")

    def _send(self, *lines: bytes) -> None:
        self.sock.sendall(b"".join(line + b"\r\n" for line in lines))

    def _answer(self, tag: str, rest: str) -> bool:
        """Reply to one command; False once the connection should close."""
        name, _, arguments = rest.partition(" ")
        name = name.upper()
        ok = f"{tag} OK {name} completed".encode()
        if name == "CAPABILITY":
            starttls = " STARTTLS" if self.imap.tls == "starttls" and not self.tls_active else ""
            self._send(f"* CAPABILITY IMAP4rev1{starttls}".encode(), ok)
        elif name == "NOOP":
            self._send(ok)
        elif name == "LOGOUT":
            self._send(b"* BYE logging out", ok)
            return False
        elif name == "STARTTLS" and self.imap.tls == "starttls" and not self.tls_active:
            self._send(f"{tag} OK begin TLS now".encode())
            self._start_tls()
        elif name == "LOGIN":
            user, password = _arguments(arguments)[:2]
            self.logged_in = (user, password) == (self.imap.username, self.imap.password)
            self._send(ok if self.logged_in else f"{tag} NO [AUTHENTICATIONFAILED] nope".encode())
        elif name in ("SELECT", "EXAMINE") and self.logged_in:
            self._select(tag, name, _decode_mailbox(_arguments(arguments)[0]))
        elif name == "UID" and self.box is not None:
            verb, _, criteria = arguments.partition(" ")
            if verb.upper() == "SEARCH":
                self._search(tag, criteria)
            elif verb.upper() == "FETCH":
                return self._fetch(tag, criteria)
            else:
                self._send(f"{tag} BAD the test server does not do UID {verb}".encode())
        else:
            self._send(f"{tag} BAD the test server does not do {name} here".encode())
        return True

    def _select(self, tag: str, name: str, mailbox: str) -> None:
        box = self.imap.mailboxes.get(mailbox)
        if box is None:
            self._send(f"{tag} NO [NONEXISTENT] no mailbox {mailbox}".encode())
            return
        self.box, self.readonly = box, name == "EXAMINE"
        mode = "READ-ONLY" if self.readonly else "READ-WRITE"
        self._send(
            b"* FLAGS (\\Seen \\Deleted \\Flagged)",
            f"* {len(box.mails)} EXISTS".encode(),
            b"* 0 RECENT",
            f"* OK [UIDVALIDITY {box.uidvalidity}] UIDs valid".encode(),
            f"* OK [UIDNEXT {box.next_uid}] predicted next UID".encode(),
            f"{tag} OK [{mode}] {name} completed".encode(),
        )

    def _search(self, tag: str, criteria: str) -> None:
        assert self.box is not None
        found = self.box.mails
        words = _arguments(criteria)
        while words:
            key = words.pop(0).upper()
            if key == "ALL":
                continue
            if key == "UID":
                wanted = _uid_set(words.pop(0), self.box)
                found = [mail for mail in found if mail.uid in wanted]
            elif key in ("FROM", "SUBJECT"):
                needle = words.pop(0).casefold()
                found = [mail for mail in found if needle in _header(mail.raw, key).casefold()]
            else:
                self._send(f"{tag} BAD the test server cannot search by {key}".encode())
                return
        self._send(f"* SEARCH {' '.join(str(m.uid) for m in found)}".rstrip().encode())
        self._send(f"{tag} OK SEARCH completed".encode())

    def _fetch(self, tag: str, arguments: str) -> bool:
        assert self.box is not None
        numbers, _, items = arguments.partition(" ")
        wanted, items = _uid_set(numbers, self.box), items.upper()
        if self.imap.drop_on_fetch_of in wanted:
            return False
        for number, mail in enumerate(self.box.mails, start=1):
            if mail.uid not in wanted:
                continue
            if not self.readonly and ("BODY[]" in items.replace(".PEEK", "X") or "RFC822" in items):
                mail.flags.add("\\Seen")
            parts = [f"UID {mail.uid}"] if not self.imap.uid_after_body else []
            if "FLAGS" in items:
                parts.append(f"FLAGS ({' '.join(sorted(mail.flags))})")
            body = b""
            if "BODY" in items or "RFC822" in items:
                label = "RFC822" if "RFC822" in items else "BODY[]"
                parts.append(f"{label} {{{len(mail.raw)}}}")
                body = b"\r\n" + mail.raw
            tail = f" UID {mail.uid}" if self.imap.uid_after_body else ""
            head = f"* {number} FETCH ({' '.join(parts)}".encode()
            self.sock.sendall(head + body + f"{tail})\r\n".encode())
        self._send(f"{tag} OK FETCH completed".encode())
        return True


def _arguments(text: str) -> list[str]:
    """Atoms and quoted strings (unescaped) of a command's arguments."""
    found = []
    for match in _ARGUMENT.finditer(text):
        quoted = match[1]
        found.append(re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else match[2])
    return found


def _uid_set(text: str, box: Mailbox) -> set[int]:
    """The UIDs a set like ``1,4:6,9:*`` names. ``*`` is the highest UID, and a range counts
    either way round, so ``N:*`` with N above every UID still names the newest mail."""
    highest = max((mail.uid for mail in box.mails), default=0)
    wanted: set[int] = set()
    for piece in text.split(","):
        low, _, high = piece.partition(":")
        first = highest if low == "*" else int(low)
        last = first if not high else highest if high == "*" else int(high)
        wanted.update(range(min(first, last), max(first, last) + 1))
    return wanted


def _header(raw: bytes, name: str) -> str:
    return str(message_from_bytes(raw, policy=policy.default).get(name) or "")


def _decode_mailbox(name: str) -> str:
    """A mailbox name from modified UTF-7 (``&AOk-`` is "é", ``&-`` is "&")."""

    def decode(run: re.Match[str]) -> str:
        if not run[1]:
            return "&"
        padded = run[1].replace(",", "/") + "=" * (-len(run[1]) % 4)
        return base64.b64decode(padded).decode("utf-16-be")

    return re.sub(r"&([^-]*)-", decode, name)
