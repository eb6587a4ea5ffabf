"""One raw email as the parsers read it (job alerts, marketplace notifications): its decoded
headers and its first HTML and plain-text bodies, whatever the MIME structure, transfer
encoding and charset."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class AlertMail:
    """One email as the parser reads it: the headers that matter and its bodies as text."""

    subject: str
    sender: str
    message_id: str | None
    sent_at: datetime | None
    html: str | None
    text: str | None
    defects: tuple[str, ...] = ()  # what the MIME parser found broken, by name

    @property
    def broken_mime(self) -> str:
        """The defects, as a line saying a body is missing ends: `` (malformed MIME: …)``;
        empty when the parser found none."""
        if not self.defects:
            return ""
        return f" (malformed MIME: {', '.join(sorted(set(self.defects)))})"


def read_mail(raw: bytes) -> AlertMail:
    """A raw RFC 5322 message as the parser reads it: decoded headers, and its first HTML and
    plain-text bodies decoded whatever the transfer encoding and charset (bad bytes replaced)."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    bodies: dict[str, str] = {}
    for part in message.walk():
        kind = part.get_content_type()
        if kind in ("text/html", "text/plain") and part.get_content_disposition() != "attachment":
            bodies.setdefault(kind, _decoded_body(part))
    try:
        sent = parsedate_to_datetime(_header(message, "date"))
        sent_at = sent.replace(tzinfo=UTC) if sent.tzinfo is None else sent.astimezone(UTC)
    except (TypeError, ValueError):
        sent_at = None
    return AlertMail(
        subject=_header(message, "subject"),
        sender=_header(message, "from"),
        message_id=_header(message, "message-id").strip() or None,
        sent_at=sent_at,
        html=bodies.get("text/html"),
        text=bodies.get("text/plain"),
        defects=tuple(type(d).__name__ for part in message.walk() for d in part.defects),
    )


def _decoded_body(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    for charset in (part.get_content_charset() or "utf-8", "utf-8"):
        try:
            return payload.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    # Mislabelled mail is most often Windows-1252; the few bytes it leaves undefined are replaced.
    return payload.decode("cp1252", errors="replace")


def _header(message: EmailMessage, name: str) -> str:
    """A header as text, "" when absent; raw when it is too malformed to decode."""
    try:
        value = str(message.get(name) or "")
    except Exception:  # the header parser has edge cases that raise rather than register defects
        value = next((str(v) for k, v in message.raw_items() if k.lower() == name), "")
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
