"""Routing: one bidder per passing job, capacity respected while anyone has room, explicit
assignments first."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bidflow.config import AgencyConfig
from bidflow.models import Job
from rules.judgement import Decisions
from rules.routing import Candidate, route, route_columns
from rules.triage import BidderSlot, triage_jobs
from tests.factories import agency_dict, make_job

PYTHON_JOB = {"title": "Django API", "description": "Python and Django", "skills": ["Python"]}


def _twins(**overrides: Any) -> tuple[AgencyConfig, list[BidderSlot]]:
    """Two bidders with the same skills, so only load and room separate them."""
    data = agency_dict(**overrides)
    data["bidders"][1]["skills"] = list(data["bidders"][0]["skills"])
    agency = AgencyConfig.model_validate(data)
    return agency, [BidderSlot(id=n, config=b) for n, b in enumerate(agency.bidders, 1)]


def _jobs(count: int, **fields: Any) -> list[Job]:
    return [
        Job(id=n, **make_job(**(PYTHON_JOB | fields)).model_dump()) for n in range(1, count + 1)
    ]


def _routed(decisions: Decisions) -> dict[int, list[int]]:
    routed: dict[int, list[int]] = {}
    for row in decisions.rows:
        if row["routed"]:
            routed.setdefault(row["job_id"], []).append(row["bidder_id"])
    return routed


def test_every_passing_job_goes_to_exactly_one_bidder_spreading_load() -> None:
    agency, slots = _twins()
    routed = _routed(triage_jobs(_jobs(6), slots, agency))
    assert all(len(bidders) == 1 for bidders in routed.values()) and len(routed) == 6
    assert sorted(b for bidders in routed.values() for b in bidders) == [1, 1, 1, 2, 2, 2]


def test_a_bidder_without_room_is_skipped_while_another_has_room() -> None:
    agency, slots = _twins()
    routed = _routed(triage_jobs(_jobs(5), slots, agency, room={1: 1, 2: 2}))
    # The first three jobs fill exactly the room there is...
    first = [routed[job][0] for job in (1, 2, 3)]
    assert (first.count(1), first.count(2)) == (1, 2)
    # ...and the other two still go somewhere, to be parked, not dropped.
    assert len(routed) == 5


def test_no_room_anywhere_still_routes_to_the_best() -> None:
    agency, slots = _twins()
    routed = _routed(triage_jobs(_jobs(2), slots, agency, room={1: 0, 2: 0}))
    assert len(routed) == 2


def test_failing_jobs_are_routed_nowhere() -> None:
    agency, slots = _twins()
    assert _routed(triage_jobs(_jobs(3, budget=10.0), slots, agency)) == {}


def test_an_assignment_overrides_fit_when_its_bidder_passes() -> None:
    agency, slots = _twins(assignments=[{"category": "web dev", "bidder": "Ben"}])
    routed = _routed(triage_jobs(_jobs(3), slots, agency))
    assert set(routed) == {1, 2, 3} and all(bidders == [2] for bidders in routed.values())


def test_an_assignment_by_query_only_takes_matching_jobs() -> None:
    agency, slots = _twins(assignments=[{"query": "flask", "bidder": "Ben"}])
    jobs = _jobs(1) + [
        Job(id=2, **make_job(**(PYTHON_JOB | {"description": "Flask"})).model_dump())
    ]
    routed = _routed(triage_jobs(jobs, slots, agency))
    assert routed[2] == [2]


def test_an_assignment_yields_when_its_bidder_fails_the_job() -> None:
    data = agency_dict(assignments=[{"category": "web", "bidder": "Ben"}])
    agency = AgencyConfig.model_validate(data)  # Ben's skills are React; the job is Python
    slots = [BidderSlot(id=n, config=b) for n, b in enumerate(agency.bidders, 1)]
    assert _routed(triage_jobs(_jobs(1), slots, agency)) == {1: [1]}


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_column_routing_equals_the_job_by_job_reference(data: st.DataObject) -> None:
    bidders = data.draw(st.integers(1, 4))
    jobs = data.draw(st.integers(1, 30))
    cells = st.tuples(st.booleans(), st.integers(0, 2), st.sampled_from([0.5, 0.75, 1.0]))
    grid = data.draw(
        st.lists(st.lists(cells, min_size=bidders, max_size=bidders), min_size=jobs, max_size=jobs)
    )
    room = data.draw(
        st.lists(
            st.one_of(st.just(math.inf), st.integers(0, 5)), min_size=bidders, max_size=bidders
        )
    )
    names = [f"b{n}" for n in range(bidders)]
    assigned = data.draw(
        st.lists(st.sampled_from([None, *names, "nobody"]), min_size=jobs, max_size=jobs)
    )
    agency = AgencyConfig.model_validate(agency_dict())
    slots = [
        BidderSlot(id=n, config=agency.bidders[0].model_copy(update={"name": name}))
        for n, name in enumerate(names)
    ]
    candidates = [
        [
            Candidate(slot, passed, fit, score)
            for slot, (passed, fit, score) in zip(slots, row, strict=True)
        ]
        for row in grid
    ]
    expected = route(candidates, assigned, {n: int(r) for n, r in enumerate(room) if r != math.inf})
    column = np.array(grid, dtype=object).transpose(2, 1, 0)  # field × bidder × job
    chosen = route_columns(
        column[0].astype(bool),
        column[1].astype(np.int64),
        column[2].astype(np.float64),
        names,
        assigned,
        room,
    )
    assert [None if c < 0 else int(c) for c in chosen] == expected
