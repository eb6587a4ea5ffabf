"""IMAP protocol text: quoted strings, mailbox names in modified UTF-7, the message bytes of a
UID FETCH answer, and a server's reasons as readable text."""

from __future__ import annotations

import base64
import imaplib
import re
from typing import Any

_FETCHED_UID = re.compile(rb"\bUID (\d+)")


def fetched_bodies(data: list[Any]) -> dict[int, bytes]:
    """UID -> message bytes from a UID FETCH answer; the UID may come before or after the
    literal, depending on the server."""
    bodies: dict[int, bytes] = {}
    pending: bytes | None = None
    for piece in data:
        if isinstance(piece, tuple):
            uid = _FETCHED_UID.search(piece[0])
            pending = piece[1]
        elif isinstance(piece, bytes) and pending is not None:
            uid = _FETCHED_UID.search(piece)
        else:
            continue
        if uid and pending is not None:
            bodies[int(uid[1])] = pending
            pending = None
    return bodies


def searchable(value: str) -> bool:
    """Whether IMAP SEARCH can carry ``value`` as a quoted string."""
    return value.isascii() and value.isprintable()


def quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def mailbox_name(name: str) -> str:
    """A mailbox name as IMAP writes it: quoted, non-ASCII in modified UTF-7 (RFC 3501 5.1.3)."""

    def utf7(run: re.Match[str]) -> str:
        encoded = base64.b64encode(run[0].encode("utf-16-be")).decode("ascii")
        return "&" + encoded.rstrip("=").replace("/", ",") + "-"

    return quoted(re.sub(r"[^\x20-\x7e]+", utf7, name.replace("&", "&-")))


def reason(error: object) -> str:
    """An exception or server answer as readable text (imaplib hands over bytes)."""
    value = error.args[0] if isinstance(error, imaplib.IMAP4.error) and error.args else error
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value) or type(value).__name__
