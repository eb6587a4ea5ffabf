"""The weekly report by email over SMTP (stdlib ``smtplib``): an HTML body with its charts
inline, a plain-text part for text-only readers, and the PDF and CSVs attached.

The server comes from the settings (``BIDFLOW_SMTP_*``). Every failure becomes a
:class:`MailError` whose message names the setting or config key to change.
"""

from __future__ import annotations

import mimetypes
import re
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from bidflow.errors import BidflowError
from bidflow.settings import Settings

TIMEOUT_S = 30.0
_LINE_BREAKS = re.compile(r"[\r\n\t\x00-\x1f\x7f]+")


class MailError(BidflowError):
    """The report could not be emailed; the message says what to fix."""


@dataclass(frozen=True)
class InlineImage:
    """An image the HTML body shows as ``cid:<content_id>``."""

    content_id: str
    png: bytes


@dataclass(frozen=True)
class ReportMail:
    subject: str
    text: str
    html: str
    images: Sequence[InlineImage] = field(default_factory=tuple)
    attachments: Sequence[Path] = field(default_factory=tuple)


@dataclass(frozen=True)
class SmtpServer:
    host: str | None
    port: int = 587
    security: str = "starttls"  # starttls, ssl or none
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpServer:
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            user=settings.smtp_user,
            password=settings.smtp_password,
            sender=settings.smtp_from,
        )

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


def build_email(mail: ReportMail, *, sender: str, recipients: Sequence[str]) -> EmailMessage:
    """multipart/mixed: (text | HTML with its inline images), then each attachment."""
    message = EmailMessage()
    # A name from the config could hold a line break; in a header it would end the header.
    message["Subject"] = _LINE_BREAKS.sub(" ", mail.subject).strip()
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message.set_content(mail.text)
    message.add_alternative(mail.html, subtype="html")
    html_part = message.get_body(preferencelist=("html",))
    assert isinstance(html_part, EmailMessage)  # the alternative just added
    for image in mail.images:
        html_part.add_related(image.png, "image", "png", cid=f"<{image.content_id}>")
    for path in mail.attachments:
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        maintype, _, subtype = kind.partition("/")
        message.add_attachment(path.read_bytes(), maintype, subtype, filename=path.name)
    return message


def send_report_email(server: SmtpServer, mail: ReportMail, recipients: Sequence[str]) -> None:
    """Send ``mail`` to ``recipients`` through ``server``; MailError saying what to fix."""
    if not server.host:
        raise MailError(
            "BIDFLOW_SMTP_HOST is not set; set it (and BIDFLOW_SMTP_FROM, BIDFLOW_SMTP_USER,"
            " BIDFLOW_SMTP_PASSWORD) to email the report, or set reports.email: false"
        )
    if not server.sender:
        raise MailError("BIDFLOW_SMTP_FROM is not set; set it to the report's sender address")
    message = build_email(mail, sender=server.sender, recipients=recipients)
    try:
        with _connect(server) as client:
            if server.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if server.user:
                client.login(server.user, server.password or "")
            refused = client.send_message(message, server.sender, list(recipients))
    except smtplib.SMTPNotSupportedError as exc:
        raise MailError(
            f"{server.address} does not offer STARTTLS ({_reason(exc)}); set"
            " BIDFLOW_SMTP_SECURITY=ssl for implicit TLS (port 465) or none for a local relay"
        ) from None
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(
            f"{server.address} refused the login of {server.user!r} ({_reason(exc)}); check"
            " BIDFLOW_SMTP_USER and BIDFLOW_SMTP_PASSWORD"
        ) from None
    except smtplib.SMTPSenderRefused as exc:
        raise MailError(
            f"{server.address} refused the sender {server.sender!r} ({_reason(exc)}); check"
            " BIDFLOW_SMTP_FROM"
        ) from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise MailError(
            f"{server.address} refused every recipient ({', '.join(exc.recipients)}); check"
            " reports.recipients or the owners' emails in the config"
        ) from None
    except ssl.SSLError as exc:
        raise MailError(
            f"TLS with {server.address} failed ({exc.reason or exc}); check"
            " BIDFLOW_SMTP_SECURITY (starttls, ssl or none) and BIDFLOW_SMTP_PORT"
        ) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(
            f"could not send through {server.address} ({_reason(exc)}); check"
            " BIDFLOW_SMTP_HOST and BIDFLOW_SMTP_PORT"
        ) from None
    if refused:
        raise MailError(
            f"{server.address} refused {', '.join(sorted(refused))} (the others got it); check"
            " those addresses in reports.recipients or the owners' emails"
        )


def _connect(server: SmtpServer) -> smtplib.SMTP:
    assert server.host is not None
    if server.security == "ssl":
        context = ssl.create_default_context()
        return smtplib.SMTP_SSL(server.host, server.port, timeout=TIMEOUT_S, context=context)
    return smtplib.SMTP(server.host, server.port, timeout=TIMEOUT_S)


def _reason(exc: Exception) -> str:
    """An SMTP error's reply as text ("535 5.7.8 bad credentials"), else the error itself."""
    code, text = getattr(exc, "smtp_code", None), getattr(exc, "smtp_error", None)
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if code is not None and text:
        return f"{code} {text}".strip()
    return str(exc) or type(exc).__name__
