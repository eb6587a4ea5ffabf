"""The layout for provider-side prompt caching: one bidder's prompts share a long, byte-identical
prefix, and only the job-specific parts differ, at the end."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from bidflow.config import load_agency_config
from bidflow.fingerprint import content_hash
from bidflow.models import JobBase
from bidflow.samples.generator import SampleJob, generate_jobs
from prompts import job_posting
from prompts.assemble import proposal_prompt

DEMO_CONFIG = Path(__file__).resolve().parents[2] / "bidflow" / "samples" / "agency.yaml"
ANCHOR = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _job(sample: SampleJob) -> JobBase:
    return JobBase(
        source="sample",
        external_id=sample.external_id,
        title=sample.title,
        description=sample.description,
        category=sample.category,
        skills=list(sample.skills),
        client_country=sample.client.country,
        client_payment_verified=sample.client.payment_verified,
        content_hash=content_hash(sample.title, sample.description),
    )


def test_twenty_drafts_of_one_bidder_share_a_long_identical_prefix() -> None:
    agency = load_agency_config(DEMO_CONFIG)
    bidder = agency.bidders[0]
    # Ordinary postings of the size real feeds show: a job block of 1-2 KB each.
    samples = [
        s for s in generate_jobs(count=1500, anchor=ANCHOR) if 900 <= len(s.description) <= 1600
    ]
    jobs = [_job(sample) for sample in samples[:20]]
    assert len(jobs) == 20
    assert all(1000 <= len(job_posting(job).encode()) <= 2000 for job in jobs)

    prompts = [proposal_prompt(job, bidder, agency) for job in jobs]
    sent = [f"{prompt.system}\n{prompt.user}".encode() for prompt in prompts]
    shared = len(os.path.commonprefix(sent))
    shares = [shared / len(text) for text in sent]
    assert min(shares) >= 0.70, f"shared prefix {shared} bytes: {min(shares):.0%} of the longest"
    # The shared part is what caches: at least OpenAI's 1,024-token minimum (~4 bytes a token).
    assert shared >= 4096
    # Nothing job-specific sits inside it.
    assert all(job.title not in sent[0][:shared].decode() for job in jobs)
