"""The whole cycle once: ingest → triage → draft. Reports run on their own schedule."""

from __future__ import annotations

from dataclasses import dataclass

from prefect import flow, get_run_logger

from connectors.feeds.polling import SourceSummary
from flows.draft import DraftSummary, draft_flow
from flows.ingest import ingest_flow
from flows.triage import TriageSummary, triage_flow


@dataclass
class PipelineSummary:
    """What one cycle did, stage by stage."""

    sources: list[SourceSummary]
    triage: TriageSummary
    draft: DraftSummary


@flow(name="pipeline")
def pipeline_flow(config_path: str | None = None) -> PipelineSummary:
    """Ingest every feed, triage what is new, draft what was routed."""
    sources = ingest_flow(config_path)
    triage = triage_flow(config_path)
    draft = draft_flow(config_path)
    get_run_logger().info(
        "pipeline: %d new jobs, %d passed, %d drafted",
        sum(s.new for s in sources),
        triage.passed,
        sum(draft.drafted.values()),
    )
    return PipelineSummary(sources=sources, triage=triage, draft=draft)
