"""The per-bidder report sums what each bidder's drafts cost, cached input tokens included."""

from __future__ import annotations

from datetime import timedelta

from analytics.conversion import conversion_by_bidder
from bidflow.db import session_scope
from bidflow.models import Proposal
from bidflow.types import utcnow
from tests.factories import make_job
from tests.web.seed import add_bidder, queue_drafts


def _cost(url: str, proposal_id: int, usd: float, tokens: int, cached: int, days_ago: int) -> None:
    with session_scope(url) as session:
        proposal = session.get(Proposal, proposal_id)
        assert proposal is not None
        proposal.cost_usd, proposal.tokens_in, proposal.tokens_cached = usd, tokens, cached
        proposal.created_at = utcnow() - timedelta(days=days_ago)
        session.add(proposal)


def test_cost_and_cached_tokens_are_summed_per_bidder_within_the_window(database_url: str) -> None:
    with session_scope(database_url) as session:
        ana, ben = add_bidder(session, "Ana"), add_bidder(session, "Ben")
        first, second, old = queue_drafts(session, bidder=ana, jobs=[make_job() for _ in range(3)])
        (bens,) = queue_drafts(session, bidder=ben, jobs=[make_job()])
    _cost(database_url, first, 0.0012, 3000, 2048, days_ago=1)
    _cost(database_url, second, 0.0008, 2500, 2048, days_ago=2)
    _cost(database_url, old, 0.5, 9000, 0, days_ago=30)  # before the window
    _cost(database_url, bens, 0.002, 4000, 0, days_ago=1)

    with session_scope(database_url) as session:
        table = conversion_by_bidder(session=session, since=utcnow() - timedelta(days=7))

    rows = table.set_index("bidder")
    assert rows.loc["Ana", "llm_cost_usd"] == round(0.0012 + 0.0008, 4)
    assert (rows.loc["Ana", "tokens_in"], rows.loc["Ana", "tokens_cached"]) == (5500, 4096)
    assert (rows.loc["Ben", "tokens_in"], rows.loc["Ben", "tokens_cached"]) == (4000, 0)
