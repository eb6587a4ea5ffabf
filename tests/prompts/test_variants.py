"""A/B variants: configured per agency, checked against the templates, assigned sticky."""

from __future__ import annotations

from collections import Counter

import pytest
from pydantic import ValidationError

from bidflow.errors import TemplateError
from prompts.assemble import proposal_prompt
from prompts.variants import choose_variant
from tests.factories import agency_config, make_job

AB = {"variants": ["proposal", "proposal_b"]}


def test_default_is_the_single_proposal_variant() -> None:
    agency = agency_config()
    assert agency.prompts.variants == ["proposal"]
    assert proposal_prompt(make_job(), agency.bidders[0], agency).variant == "proposal"


def test_unknown_variant_names_the_available_ones() -> None:
    with pytest.raises(
        ValidationError, match=r"'proposal_z' is not .*\['proposal', 'proposal_b'\]"
    ):
        agency_config(prompts={"variants": ["proposal", "proposal_z"]})


def test_explicit_unknown_variant_is_refused() -> None:
    agency = agency_config()
    with pytest.raises(TemplateError, match="'system' is not a proposal prompt variant"):
        proposal_prompt(make_job(), agency.bidders[0], agency, variant="system")


def test_same_client_same_bidder_same_variant_every_time() -> None:
    agency = agency_config(prompts=AB)
    bidder = agency.bidders[0]
    first = proposal_prompt(make_job(client_key="client-7"), bidder, agency).variant
    again = [proposal_prompt(make_job(client_key="client-7"), bidder, agency) for _ in range(5)]
    assert {prompt.variant for prompt in again} == {first}


def test_assignment_spreads_clients_over_variants() -> None:
    jobs = [make_job(client_key=f"client-{n}") for n in range(400)]
    counts = Counter(choose_variant(["proposal", "proposal_b"], "Ana", job) for job in jobs)
    assert set(counts) == {"proposal", "proposal_b"}
    assert min(counts.values()) > 150  # a hash spreads them; a constant would not


def test_variants_differ_in_instructions_but_share_the_system_message() -> None:
    agency = agency_config(prompts=AB)
    bidder, job = agency.bidders[0], make_job()
    a = proposal_prompt(job, bidder, agency, variant="proposal")
    b = proposal_prompt(job, bidder, agency, variant="proposal_b")
    assert (a.variant, b.variant) == ("proposal", "proposal_b")
    assert a.system == b.system
    assert a.user != b.user
    assert a.user.split("<<<JOB_POSTING")[1] == b.user.split("<<<JOB_POSTING")[1]
