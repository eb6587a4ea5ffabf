"""The whole cycle under Prefect on the sample agency: counts, routing, caps, bad feeds."""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import func, text
from sqlmodel import select

from bidflow import db
from bidflow.models import Decision, Job, Proposal
from bidflow.settings import get_settings
from flows.pipeline import pipeline_flow
from flows.report import report_flow


def _count(session: object, query: str) -> int:
    return int(session.execute(text(query)).scalar_one())  # type: ignore[attr-defined]


def test_pipeline_ingests_triages_and_drafts_within_caps(sample_agency: Path) -> None:
    summary = pipeline_flow(str(sample_agency))

    assert [s.error for s in summary.sources] == [None, None]
    assert sum(s.new for s in summary.sources) == 360  # 390 items, 30 seen through both feeds
    assert summary.triage.jobs == 360 and 0 < summary.triage.passed < 360
    with db.session_scope(get_settings().resolved_database_url) as session:
        assert session.exec(select(func.count()).select_from(Job)).one() == 360
        assert session.exec(select(func.count()).select_from(Decision)).one() == 360 * 3
        routed_twice = _count(
            session,
            "SELECT count(*) FROM (SELECT job_id FROM decision WHERE routed"
            " GROUP BY job_id HAVING count(*) > 1) t",
        )
        assert routed_twice == 0
        proposals = session.exec(select(Proposal)).all()
        per_bidder: dict[int, int] = {}
        for proposal in proposals:
            per_bidder[proposal.bidder_id] = per_bidder.get(proposal.bidder_id, 0) + 1
            assert proposal.offline and proposal.model == "offline"
            assert proposal.status == "queued" and len(proposal.draft_text) > 200
        assert per_bidder and max(per_bidder.values()) <= 25  # the demo's hourly cap
        assert sum(summary.draft.drafted.values()) == len(proposals)


def test_a_broken_feed_is_reported_and_the_others_still_ingest(sample_agency: Path) -> None:
    folder = sample_agency.parent
    (folder / "broken.rss").write_bytes(b"<rss><channel><item><title>Half")
    config = yaml.safe_load(sample_agency.read_text())
    config["feeds"] += [
        {"name": "broken", "kind": "rss", "url": "broken.rss"},
        {"name": "gone", "kind": "files", "path": "missing.json"},
    ]
    sample_agency.write_text(yaml.safe_dump(config))

    summary = pipeline_flow(str(sample_agency))

    by_name = {s.source: s for s in summary.sources}
    assert by_name["sample-rss"].new + by_name["sample-alerts"].new == 360
    broken = by_name["broken"]
    assert broken.new == 0 and broken.error is None  # readable up to the damage, so reported
    assert any("broken.rss: feed is malformed" in problem for problem in broken.problems)
    assert by_name["gone"].error is not None and "missing.json" in by_name["gone"].error


def test_report_counts_each_bidders_funnel(sample_agency: Path) -> None:
    pipeline_flow(str(sample_agency))
    table = report_flow(str(sample_agency))
    assert list(table["bidder"]) == ["Ana Ribeiro", "Marcus Chen", "Priya Nair"]
    with db.session_scope(get_settings().resolved_database_url) as session:
        drafted = session.exec(select(func.count()).select_from(Proposal)).one()
    assert table["drafted"].sum() == drafted
    assert table["sent"].sum() == 0 and table["reply_rate"].isna().all()
