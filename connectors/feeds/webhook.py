"""Jobs pushed to bidflow over HTTP: who signed them, what the body holds, which items are jobs.

Plain functions, so the web route stays thin and every rule can be tested without a server.
Senders sign the exact bytes they send with a per-feed secret (HMAC-SHA256), the scheme GitHub,
Stripe and most automation tools (n8n, Zapier) already speak.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bidflow.config.feeds import WebhookFeedConfig
from bidflow.errors import FeedError
from bidflow.models import JobBase
from connectors.feeds.items import DEFAULT_MAPPING, normalize_item

MAX_BODY_BYTES = 5 * 1024 * 1024
# How far a signed timestamp may be from our clock: long enough for a slow sender or a retry,
# short enough that a captured request cannot be replayed later.
MAX_CLOCK_SKEW = timedelta(minutes=5)
SIGNATURE_HEADER = "X-Bidflow-Signature"
GITHUB_SIGNATURE_HEADER = "X-Hub-Signature-256"
TIMESTAMP_HEADER = "X-Bidflow-Timestamp"
_PREFIX = "sha256="


class SignatureError(FeedError):
    """A pushed request is not signed, or not signed with the feed's secret."""


class PayloadError(FeedError):
    """A pushed body is not JSON at all."""


@dataclass
class PushedJobs:
    """The items of one pushed body read as jobs: the valid ones, how many items were rejected,
    and one line per problem (``item 2: missing 'title'``), in item order. Notes about optional
    fields that had to be dropped are problems too, but their item is still in ``jobs``."""

    jobs: list[JobBase] = field(default_factory=list)
    rejected: int = 0
    errors: list[str] = field(default_factory=list)


def sign(secret: str, body: bytes, timestamp: str | None = None) -> str:
    """The signature header value for ``body``: ``sha256=<hex>``, over ``<timestamp>.<body>``
    when a timestamp is sent with it."""
    message = body if timestamp is None else timestamp.encode() + b"." + body
    return _PREFIX + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify_signature(
    *, secret: str, body: bytes, headers: Mapping[str, str], now: datetime
) -> None:
    """Check the request's signature header against ``secret``; raise SignatureError saying
    what is wrong. ``headers`` are matched case-insensitively."""
    sent = {name.lower(): value for name, value in headers.items()}
    header = SIGNATURE_HEADER if SIGNATURE_HEADER.lower() in sent else GITHUB_SIGNATURE_HEADER
    signature = sent.get(header.lower())
    if signature is None:
        raise SignatureError(
            f"missing signature: send {SIGNATURE_HEADER}: sha256=<hex>, the HMAC-SHA256 of the"
            f" raw body keyed with the feed's secret ({GITHUB_SIGNATURE_HEADER} is accepted too)"
        )
    if not signature.startswith(_PREFIX):
        raise SignatureError(f"{header} must look like sha256=<hex> (HMAC-SHA256)")
    timestamp = sent.get(TIMESTAMP_HEADER.lower())
    if timestamp is not None and not timestamp.strip().isdigit():
        raise SignatureError(f"{TIMESTAMP_HEADER} must be a Unix time in whole seconds")
    expected = sign(secret, body, timestamp)
    # compare_digest takes as long for a near miss as for a wild guess; bytes, because it
    # refuses non-ASCII text and a header can hold anything.
    if not hmac.compare_digest(expected.encode(), signature.strip().lower().encode()):
        covered = f"'{TIMESTAMP_HEADER}.' + the raw body" if timestamp else "the raw body"
        raise SignatureError(
            f"{header} does not match: expected sha256=<hex>, the HMAC-SHA256 of {covered}"
            " keyed with the feed's secret"
        )
    if timestamp is not None:
        age = now.timestamp() - int(timestamp)
        if abs(age) > MAX_CLOCK_SKEW.total_seconds():
            when = f"{int(age)} s old" if age > 0 else f"{int(-age)} s in the future"
            raise SignatureError(
                f"{TIMESTAMP_HEADER} is {when}; signed requests are accepted within"
                f" {int(MAX_CLOCK_SKEW.total_seconds() // 60)} minutes of the server's clock"
            )


def signed_items(
    *, secret: str, body: bytes, headers: Mapping[str, str], now: datetime
) -> list[Any]:
    """The items of a request whose signature checks out: SignatureError or PayloadError
    otherwise (see ``verify_signature`` and ``parse_items``)."""
    verify_signature(secret=secret, body=body, headers=headers, now=now)
    return parse_items(body)


def parse_items(body: bytes) -> list[Any]:
    """The items of a JSON body: one job object, a list of them, or ``{"jobs": [...]}``.

    Raises PayloadError, naming where parsing stopped, when the body is not JSON.
    """
    try:
        payload = json.loads(body)
    except json.JSONDecodeError as exc:
        raise PayloadError(
            f"body is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
            f" (character {exc.pos})"
        ) from None
    except UnicodeDecodeError as exc:
        raise PayloadError(f"body is not UTF-8 text: {exc.reason} at byte {exc.start}") from None
    except ValueError as exc:  # e.g. an integer longer than Python will convert
        raise PayloadError(f"body is not usable JSON: {exc}") from None
    except RecursionError:
        raise PayloadError("body is not usable JSON: it is nested too deeply") from None
    if isinstance(payload, dict) and "jobs" in payload:
        payload = payload["jobs"]
        if not isinstance(payload, list):
            raise PayloadError(f"'jobs' must be a list of job objects, got {_kind(payload)}")
    return payload if isinstance(payload, list) else [payload]


def read_items(items: Sequence[Any], feed: WebhookFeedConfig, *, now: datetime) -> PushedJobs:
    """``items`` as jobs of ``feed``, through its field mapping; an item that cannot be a job
    is counted and described, and the others go on."""
    mapping = {**DEFAULT_MAPPING, **feed.mapping}
    pushed = PushedJobs()
    for number, item in enumerate(items, start=1):
        try:
            job, notes = normalize_item(
                item, mapping, source=feed.name, fetched_at=now, html_descriptions=feed.html
            )
        except ValueError as exc:
            pushed.rejected += 1
            pushed.errors.append(f"item {number}: {exc}")
            continue
        pushed.jobs.append(job)
        pushed.errors.extend(f"item {number}: {note}" for note in notes)
    return pushed


def _kind(value: Any) -> str:
    return "an object" if isinstance(value, dict) else type(value).__name__
