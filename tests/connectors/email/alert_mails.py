"""Job-alert emails as marketplaces send them, built for tests: an Upwork saved-search digest
(HTML and text alternatives), one-job alerts in other transfer encodings and charsets, another
site's alert, an Upwork newsletter, and mail with broken MIME."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from html import escape
from typing import Literal
from urllib.parse import quote, urlencode

SENT_AT = datetime(2026, 11, 20, 14, 3, tzinfo=UTC)
UPWORK = "Upwork <donotreply@upwork.com>"


@dataclass(frozen=True)
class AlertJob:
    """One job as an alert email shows it: its lines as written, and how its link is made."""

    ciphertext: str
    title: str
    price: str  # the price line, e.g. "Hourly: $25.00-$50.00"
    posted: str  # "Posted 12 minutes ago"; "" when the price line says it
    description: str
    skills: tuple[str, ...]
    client: tuple[str, ...]  # one <p> each; "·" joins several facts on one line
    proposals: str
    link: Literal["job", "apply", "tracking", "double-tracking"] = "job"
    skills_as_list: bool = False  # a "Skills" heading over a list, instead of "Skills: a, b"
    client_in_cells: bool = False  # the client facts in table cells, without spaces between

    @property
    def job_url(self) -> str:
        return f"https://www.upwork.com/jobs/{self.ciphertext}"

    @property
    def href(self) -> str:
        """The link as the email carries it."""
        target = f"{self.job_url}?source=alert"
        if self.link == "apply":
            slug = "-".join(self.title.split()[:4])
            return f"https://www.upwork.com/freelance-jobs/apply/{slug}_{self.ciphertext}/"
        if self.link == "tracking":
            return "https://click.mail.upwork.com/ls/click?" + urlencode(
                {"upn": "u001.Zx9", "url": target}
            )
        if self.link == "double-tracking":
            return "https://t.upwork.example/r?redir=" + quote(quote(target, safe=""), safe="")
        return target


DIGEST_JOBS = (
    AlertJob(
        "~01a1b2c3d4e5f60718",
        "Build a Django REST API for a clinic booking app",
        "Hourly: $25.00-$50.00",
        "Posted 12 minutes ago",
        "We run 12 clinics and need a booking API - Django, DRF, Postgres. Note: must overlap"
        " with CET mornings.",
        ("Python", "Django", "PostgreSQL"),
        ("Payment verified · $10K+ spent · United States",),
        "5 to 10",
    ),
    AlertJob(
        "~01b2c3d4e5f6071829",
        "Fix a React Native crash on Android 14",
        "Hourly - Intermediate - Est. time: 1 to 3 months, Less than 30 hrs/week",
        "Posted 1 hour ago",
        "Our app crashes on launch on Pixel phones since the Android 14 update.",
        ("React Native", "Android"),
        ("Payment verified", "$1K+ spent", "Germany"),
        "Less than 5",
        link="apply",
    ),
    AlertJob(
        "~01c3d4e5f607182930",
        "Scrape product prices into a Google Sheet",
        "Fixed-price - Expert - Est. Budget: $500 - Posted 3 hours ago",
        "",
        "Daily scrape of 3 competitor shops into a sheet, with a short report.",
        ("Web Scraping", "Python", "Google Sheets"),
        ("Payment unverified · $0 spent · India",),
        "10 to 15",
        skills_as_list=True,
    ),
    AlertJob(
        "~01d4e5f60718293041",
        "Write a Python ETL from Shopify to Snowflake",
        "Budget: $1,200",
        "Posted yesterday",
        "Nightly load of orders and refunds; dbt models are already in place.",
        ("Python", "Snowflake", "ETL"),
        ("Payment verified", "$50K+ spent", "Canada"),
        "20 to 50",
        link="tracking",
        client_in_cells=True,
    ),
    AlertJob(
        "~01e5f6071829304152",
        "Automate invoices with Zapier & Airtable",
        "Fixed-price: $2.5K",
        "Posted 2 days ago",
        "Turn Airtable orders into invoices in Xero; about 40 a day.",
        ("Zapier", "Airtable", "Xero"),
        ("Payment verified · 4.95 of 5 · $100K+ spent · United Kingdom",),
        "50+",
        link="double-tracking",
    ),
)


def job_html(job: AlertJob) -> str:
    """One job of a digest, laid out as Upwork's alert tables are."""
    if job.skills_as_list:
        items = "".join(f"<li>{escape(skill)}</li>" for skill in job.skills)
        skills = f"<p>Skills</p><ul>{items}</ul>"
    else:
        tags = ", ".join(
            f'<a href="https://www.upwork.com/nx/search/jobs/?q={quote(s)}">{escape(s)}</a>'
            for s in job.skills
        )
        skills = f"<p>Skills: {tags}</p>"
    client = "".join(f"<p>{escape(line)}</p>" for line in job.client)
    if job.client_in_cells:
        cells = "".join(f"<td>{escape(line)}</td>" for line in job.client)
        client = f"<table><tr>{cells}</tr></table>"
    posted = f"<p>{escape(job.posted)}</p>" if job.posted else ""
    return f"""
<tr><td style="padding:16px 0; border-bottom:1px solid #e4ebe4">
  <a href="{escape(job.href)}" style="color:#14a800; font-size:18px"><strong>
    {escape(job.title)}</strong></a>
  <p style="color:#5e6d55">{escape(job.price)}</p>{posted}
  <p>{escape(job.description)}</p>
  {skills}{client}
  <p>Proposals: {escape(job.proposals)}</p>
  <a href="{escape(job.href)}" style="background:#14a800">View job</a>
</td></tr>"""


def digest_html(jobs: tuple[AlertJob, ...] | list[AlertJob]) -> str:
    rows = "".join(job_html(job) for job in jobs)
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Upwork</title>
<style>p {{ margin: 4px 0 }}</style></head>
<body><table width="600">
<tr><td><h2>New jobs matching your saved search &quot;python&quot;</h2></td></tr>{rows}
<tr><td><a href="https://www.upwork.com/nx/find-work/saved-searches">See all jobs</a></td></tr>
<tr><td><p><a href="https://www.upwork.com/ab/notification-settings">Unsubscribe</a> |
Manage notifications</p><p>&copy; 2026 Upwork&reg; Global Inc.</p></td></tr>
</table></body></html>"""


def digest_text(jobs: tuple[AlertJob, ...] | list[AlertJob]) -> str:
    blocks = [
        "\n".join(
            line
            for line in (
                job.title,
                job.href,
                job.price,
                job.posted,
                job.description,
                "Skills: " + ", ".join(job.skills),
                *job.client,
                f"Proposals: {job.proposals}",
            )
            if line
        )
        for job in jobs
    ]
    footer = (
        "Unsubscribe: https://www.upwork.com/ab/notification-settings\n© 2026 Upwork Global Inc."
    )
    return (
        'New jobs matching your saved search "python"\n\n' + "\n\n".join(blocks) + f"\n\n{footer}\n"
    )


def alert_mail(
    jobs: tuple[AlertJob, ...] | list[AlertJob] = DIGEST_JOBS,
    *,
    subject: str = "New jobs matching your saved search",
    sender: str = UPWORK,
    message_id: str = "<digest-1@mail.upwork.com>",
    sent_at: datetime = SENT_AT,
    parts: tuple[str, ...] = ("text", "html"),
    cte: str | None = None,
    charset: str = "utf-8",
) -> bytes:
    """An Upwork alert: multipart/alternative text + HTML unless ``parts`` says otherwise."""
    message = _headers(subject, sender, message_id, sent_at)
    bodies = {"text": (digest_text(jobs), "plain"), "html": (digest_html(jobs), "html")}
    for number, part in enumerate(parts):
        content, subtype = bodies[part]
        add = message.set_content if number == 0 else message.add_alternative
        add(content, subtype=subtype, charset=charset, cte=cte)
    return message.as_bytes()


def mislabelled_mail(job: AlertJob, *, message_id: str = "<mislabelled@mail.upwork.com>") -> bytes:
    """A text alert that says UTF-8 but is Windows-1252, as some relays send it."""
    head = _headers("New job: " + job.title, UPWORK, message_id, SENT_AT)
    head["Content-Type"] = 'text/plain; charset="utf-8"'
    head["Content-Transfer-Encoding"] = "8bit"
    return bytes(head) + digest_text([job]).encode("cp1252")


def other_site_mail(*, message_id: str = "<p-123@alerts.freelancer.example>") -> bytes:
    """A one-job alert from another marketplace: no Upwork links."""
    message = _headers(
        "New project: Translate a Shopify store into German",
        "Freelancer Alerts <alerts@freelancer.example>",
        message_id,
        SENT_AT,
    )
    message.set_content(
        """<html><body><p>A new project matches your skills.</p>
<p><a href="https://www.freelancer.example/projects/shopify-german-123?utm_source=alert">
Translate a Shopify store into German</a></p>
<p>Budget: $250</p><p>Posted 5 minutes ago</p>
<p>We need our Shopify store (120 products) translated into German.</p>
<p>Skills: German, Translation, Shopify</p>
<p><a href="https://www.freelancer.example/unsubscribe">Unsubscribe</a></p></body></html>""",
        subtype="html",
    )
    return message.as_bytes()


def newsletter_mail() -> bytes:
    """Upwork mail that is not an alert: links, but none to a job."""
    message = _headers(
        "Five ways to win more clients this month", UPWORK, "<news-9@mail.upwork.com>", SENT_AT
    )
    message.set_content(
        """<html><body><h1>Grow your business</h1>
<p><a href="https://www.upwork.com/resources/win-clients">Read the guide</a> to writing
proposals clients answer.</p><p><a href="https://www.upwork.com/ab/notification-settings">
Unsubscribe</a></p></body></html>""",
        subtype="html",
    )
    return message.as_bytes()


def broken_mime_mail() -> bytes:
    """A multipart mail whose boundary never appears: no part can be found in it."""
    return (
        b"From: Upwork <donotreply@upwork.com>\r\n"
        b"Subject: New jobs matching your saved search\r\n"
        b"Date: Fri, 20 Nov 2026 14:03:00 +0000\r\n"
        b"Message-ID: <broken@mail.upwork.com>\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/alternative; boundary="never-used"\r\n\r\n'
        b"This body lost its parts somewhere between two relays.\r\n"
    )


def _headers(subject: str, sender: str, message_id: str, sent_at: datetime) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "alerts@agency.test"
    message["Subject"] = subject
    message["Date"] = format_datetime(sent_at)
    message["Message-ID"] = message_id
    return message
