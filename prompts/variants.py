"""A/B variants of the proposal prompt: which one a job gets, the same every time it is asked."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from bidflow.config.schema import proposal_variants
from bidflow.errors import TemplateError
from bidflow.models import JobBase


def audience(job: JobBase) -> str:
    """Who the letter is for: the client when known, else the job itself."""
    return job.client_key or job.canonical_key or f"{job.source}:{job.external_id}"


def choose_variant(variants: Sequence[str], bidder: str, job: JobBase) -> str:
    """One of ``variants`` for this (bidder, client): a stable hash, not a random draw, so a
    client keeps seeing one voice from one bidder and a regeneration keeps the variant."""
    if not variants:
        raise TemplateError("no proposal prompt variants are configured")
    key = f"{bidder}\x00{audience(job)}".encode()
    # sha256 rather than hash(): Python salts str hashes per process.
    number = int.from_bytes(hashlib.sha256(key).digest()[:8], "big")
    return variants[number % len(variants)]


def check_variant(name: str) -> str:
    """``name`` if a template ``prompts/<name>.j2`` provides it, else a TemplateError."""
    available = proposal_variants()
    if name not in available:
        raise TemplateError(f"'{name}' is not a proposal prompt variant; use one of {available}")
    return name
