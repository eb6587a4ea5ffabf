"""Runs a stopped `bidflow serve` left behind, marked crashed so they release their slots.

Each served deployment lets one run go at a time (flows/served.py). The Prefect server keeps the
lease on that slot in memory, so when the server stops while a run holds it (a forced stop, a
killed process, a power cut) the slot stays taken in its database after a restart, the run shows
"Running" for ever, and every later run of that deployment is cancelled. Ending such runs gives
the slot back. Only for a server this `bidflow serve` started: no other runner can be executing
their runs then, whereas a reused server may be serving another `bidflow serve`'s runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterDeploymentId,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import StateType
from prefect.states import Crashed

UNFINISHED = [StateType.PENDING, StateType.RUNNING, StateType.CANCELLING]
MESSAGE = "bidflow serve stopped while this run was going; a later run does its work"


async def crash_stale_runs(deployment_ids: Iterable[UUID]) -> int:
    """Mark every unfinished run of these deployments crashed; returns how many there were."""
    only = FlowRunFilter(
        deployment_id=FlowRunFilterDeploymentId(any_=list(deployment_ids)),
        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=UNFINISHED)),
    )
    async with get_client() as client:
        stale = await client.read_flow_runs(flow_run_filter=only)
        for run in stale:
            # force: the transition a dead process never reported; it still releases the slot.
            await client.set_flow_run_state(run.id, Crashed(message=MESSAGE), force=True)
    return len(stale)
