"""Alert emails as jobs, without a server: layouts, encodings, links, and mail that holds none."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from email.message import EmailMessage

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bidflow.models import JobBase
from connectors.feeds.alert_fields import read_fields
from connectors.feeds.alert_mail import read_mail
from connectors.feeds.alert_parsing import job_items, unwrap_link
from connectors.feeds.items import IDENTITY_MAPPING, normalize_item
from tests.connectors.email.alert_mails import (
    DIGEST_JOBS,
    SENT_AT,
    alert_mail,
    broken_mime_mail,
    digest_html,
    digest_text,
    mislabelled_mail,
    newsletter_mail,
    other_site_mail,
)

NOW = SENT_AT + timedelta(minutes=7)
# Every character here has a different byte in UTF-8, Latin-1 and Windows-1252.
ACCENTED = replace(
    DIGEST_JOBS[2],
    ciphertext="~01f60718293041526a",
    title="Redesign a café menu – “quick” job for Zoë",
    description="Menu in Français & English, 2 pages — déjà prêt; budget firm at $300.",
)


@dataclass(frozen=True)
class Expected:
    """What a digest job should read back as."""

    job_type: str
    budget: float | None
    hourly: tuple[float | None, float | None]
    level: str | None
    posted_ago: timedelta
    verified: bool
    spent: float
    country: str
    proposals: str
    feedback: float | None = None


EXPECTED = (
    Expected(
        job_type="hourly",
        budget=None,
        hourly=(25, 50),
        level=None,
        posted_ago=timedelta(minutes=12),
        verified=True,
        spent=10e3,
        country="United States",
        proposals="5 to 10",
    ),
    Expected(
        job_type="hourly",
        budget=None,
        hourly=(None, None),
        level="Intermediate",
        posted_ago=timedelta(hours=1),
        verified=True,
        spent=1e3,
        country="Germany",
        proposals="Less than 5",
    ),
    Expected(
        job_type="fixed",
        budget=500,
        hourly=(None, None),
        level="Expert",
        posted_ago=timedelta(hours=3),
        verified=False,
        spent=0,
        country="India",
        proposals="10 to 15",
    ),
    Expected(
        job_type="fixed",
        budget=1200,
        hourly=(None, None),
        level=None,
        posted_ago=timedelta(days=1),
        verified=True,
        spent=50e3,
        country="Canada",
        proposals="20 to 50",
    ),
    Expected(
        job_type="fixed",
        budget=2500,
        hourly=(None, None),
        level=None,
        posted_ago=timedelta(days=2),
        verified=True,
        spent=100e3,
        country="United Kingdom",
        proposals="50+",
        feedback=4.95,
    ),
)


def read_jobs(raw: bytes) -> list[JobBase]:
    """The jobs of one mail as the source stores them."""
    items, notes = job_items(read_mail(raw), now=NOW)
    assert notes == []
    return [normalize_item(i, IDENTITY_MAPPING, source="alerts", fetched_at=NOW)[0] for i in items]


@pytest.mark.parametrize("parts", [("text", "html"), ("html",), ("text",)])
def test_digest_yields_each_job_with_its_fields(parts: tuple[str, ...]) -> None:
    jobs = read_jobs(alert_mail(parts=parts))

    assert [job.external_id for job in jobs] == [made.ciphertext for made in DIGEST_JOBS]
    for job, made, want in zip(jobs, DIGEST_JOBS, EXPECTED, strict=True):
        assert job.url == made.job_url
        assert (job.title, job.description) == (made.title, made.description)
        assert (job.job_type, job.budget) == (want.job_type, want.budget), made.price
        assert (job.hourly_min, job.hourly_max) == want.hourly
        assert job.experience_level == want.level
        assert job.posted_at == SENT_AT - want.posted_ago
        assert job.skills == list(made.skills)
        assert job.client_payment_verified is want.verified
        assert job.client_total_spent == want.spent
        assert job.client_country == want.country
        assert job.proposals_bucket == want.proposals
        assert job.client_feedback == want.feedback


def test_the_html_body_wins_over_the_text_one() -> None:
    message = EmailMessage()
    message["Subject"], message["From"] = "New jobs", "donotreply@upwork.com"
    message.set_content(digest_text(DIGEST_JOBS[:1]))
    message.add_alternative(digest_html(DIGEST_JOBS[1:3]), subtype="html")

    jobs = read_jobs(message.as_bytes())

    assert [job.external_id for job in jobs] == [j.ciphertext for j in DIGEST_JOBS[1:3]]


@pytest.mark.parametrize(
    ("cte", "charset"),
    [
        ("quoted-printable", "utf-8"),
        ("base64", "utf-8"),
        ("quoted-printable", "windows-1252"),
        ("8bit", "windows-1252"),
        ("base64", "windows-1252"),
    ],
)
@pytest.mark.parametrize("part", ["html", "text"])
def test_transfer_encodings_and_charsets(cte: str, charset: str, part: str) -> None:
    raw = alert_mail([ACCENTED], parts=(part,), cte=cte, charset=charset)
    assert f"Content-Transfer-Encoding: {cte}".encode() in raw

    (job,) = read_jobs(raw)

    assert (job.title, job.description) == (ACCENTED.title, ACCENTED.description)


def test_mail_labelled_utf8_but_written_in_windows_1252() -> None:
    (job,) = read_jobs(mislabelled_mail(ACCENTED))
    assert (job.title, job.external_id) == (ACCENTED.title, ACCENTED.ciphertext)


def test_bytes_no_charset_can_decode_are_replaced() -> None:
    raw = alert_mail([DIGEST_JOBS[0]], parts=("text",), cte="8bit")
    raw = raw.replace(b"We run 12", b"We run \x81\x8d 12")  # undefined even in Windows-1252

    (job,) = read_jobs(raw)

    assert job.description.startswith("We run \ufffd\ufffd 12")


@pytest.mark.parametrize(
    ("link", "target"),
    [
        ("https://www.upwork.com/jobs/~01a1b2c3d4e5f60718?source=alert", "same"),
        ("https://www.upwork.com/freelance-jobs/apply/Fix-a-crash_~01a1b2c3d4e5f60718/", "same"),
        (DIGEST_JOBS[3].href, f"{DIGEST_JOBS[3].job_url}?source=alert"),
        (DIGEST_JOBS[4].href, f"{DIGEST_JOBS[4].job_url}?source=alert"),
        (
            "https://go.example/c?u=1&to=https%3A%2F%2Fshop.example%2Fp%2F9",
            "https://shop.example/p/9",
        ),
        ("https://www.upwork.com/resources/win-clients", "same"),
    ],
)
def test_links_are_unwrapped_from_tracking_redirects(link: str, target: str) -> None:
    assert unwrap_link(link) == (link if target == "same" else target)


def test_one_job_alert_from_another_site() -> None:
    (job,) = read_jobs(other_site_mail())

    assert job.external_id == "<p-123@alerts.freelancer.example>#1"
    assert job.title == "Translate a Shopify store into German"
    assert job.url == "https://www.freelancer.example/projects/shopify-german-123?utm_source=alert"
    assert (job.job_type, job.budget) == ("fixed", 250)
    assert job.posted_at == SENT_AT - timedelta(minutes=5)
    assert job.skills == ["German", "Translation", "Shopify"]
    assert "120 products" in job.description
    assert "Unsubscribe" not in job.description and job.title not in job.description


@pytest.mark.parametrize("raw", [newsletter_mail(), broken_mime_mail()], ids=["news", "broken"])
def test_mail_without_jobs_yields_none(raw: bytes) -> None:
    assert job_items(read_mail(raw), now=NOW) == ([], [])


def test_broken_mime_is_named() -> None:
    mail = read_mail(broken_mime_mail())
    assert (mail.html, mail.text) == (None, None)
    assert "StartBoundaryNotFoundDefect" in mail.defects


def test_relative_times_count_from_now_when_the_mail_has_no_date() -> None:
    raw = alert_mail([DIGEST_JOBS[0]], parts=("text",)).replace(b"Date:", b"X-Old-Date:")
    (job,) = read_jobs(raw)
    assert job.posted_at == NOW - timedelta(minutes=12)


@pytest.mark.parametrize(
    "line",
    [
        "Budget is flexible - let's talk on a call",
        "Posted this job again because nobody applied",
        "Hourly updates are expected · daily standups",
        "Germany",  # a place name, but not next to the client's lines
    ],
)
def test_text_that_only_looks_like_a_field_stays_in_the_description(line: str) -> None:
    fields, description = read_fields(f"Budget: $500\n\n{line}", anchor=NOW)
    assert (fields, description) == ({"budget": "$500"}, line)


def test_skills_under_a_heading_end_at_the_next_blank_line() -> None:
    fields, description = read_fields("Skills\n\n- Go\n- gRPC\n\nShip it by Friday.", anchor=NOW)
    assert (fields["skills"], description) == (["Go", "gRPC"], "Ship it by Friday.")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_any_bytes_read_without_raising(raw: bytes) -> None:
    job_items(read_mail(raw), now=NOW)


_DIGEST = alert_mail(parts=("html",))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(_DIGEST) - 1), st.binary(max_size=8)), max_size=6))
def test_damaged_digests_read_without_raising(damage: list[tuple[int, bytes]]) -> None:
    raw = bytearray(_DIGEST)
    for at, junk in damage:
        raw[at : at + len(junk)] = junk
    items, _ = job_items(read_mail(bytes(raw)), now=NOW)
    assert all(isinstance(item["posted_at"], str) for item in items)
