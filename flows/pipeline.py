"""The whole cycle once: ingest → triage → draft. Reports run on their own schedule."""

from __future__ import annotations

from dataclasses import dataclass
from time import perf_counter

from prefect import flow

from connectors.feeds.polling import SourceSummary
from flows.draft import DraftSummary, draft_flow
from flows.ingest import ingest_flow
from flows.run_health import summarise, tracked
from flows.triage import TriageSummary, triage_flow


@dataclass
class PipelineSummary:
    """What one cycle did, stage by stage."""

    sources: list[SourceSummary]
    triage: TriageSummary
    draft: DraftSummary


@tracked
@flow(name="pipeline")
def pipeline_flow(config_path: str | None = None) -> PipelineSummary:
    """Ingest every feed, triage what is new, draft what was routed."""
    started = perf_counter()
    sources = ingest_flow(config_path)
    triage = triage_flow(config_path)
    draft = draft_flow(config_path)
    summarise(
        "pipeline",
        took_in=f"{sum(s.new for s in sources)} new jobs",
        gave_out=f"{sum(draft.drafted.values())} drafts queued",
        errors=sum(1 for s in sources if s.error) + draft.llm_failures,
        started=started,
        details=f"{len(sources)} feeds, {triage.jobs} triaged, {triage.passed} passed,"
        f" {triage.routed} routed",
    )
    return PipelineSummary(sources=sources, triage=triage, draft=draft)
