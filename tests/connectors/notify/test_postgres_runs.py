"""Two notifier runs at the same moment on PostgreSQL, as on two workers: every alert is
delivered exactly once, whether the runs race to queue new replies or to send alerts already
queued."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest

from bidflow.db import session_scope
from connectors.notify import Notifier, RunSummary
from connectors.notify_queue import alert_new_replies
from tests.connectors.notify.conftest import ANA_AM, ANY_AM, T0, Agency, recipients, seed_agency
from tests.connectors.servers import Reply, Request, serve

pytestmark = pytest.mark.postgres
REPLIES_PER_ROUND = 6


@pytest.fixture
def pg_agency(postgres_url: str) -> Agency:
    return seed_agency(postgres_url)


def _both_at_once(agency: Agency, notifiers: list[Notifier], now: datetime) -> list[RunSummary]:
    start = threading.Barrier(len(notifiers))

    def run(notifier: Notifier) -> RunSummary:
        start.wait(timeout=30)
        return agency.run(notifier, now)

    with ThreadPoolExecutor(max_workers=len(notifiers)) as pool:
        return list(pool.map(run, notifiers))


def test_two_runs_at_once_deliver_every_alert_exactly_once(pg_agency: Agency) -> None:
    def service(request: Request) -> Reply:
        return Reply(200, b"{}", delay_s=0.05)  # slow enough for the runs to overlap

    with serve(service) as server:
        base = f"json://127.0.0.1:{server.port}"
        environ = {"ANA": f"{base}/ana", "ANY": f"{base}/any"}
        config = {"recipients": recipients(ANA_AM="ANA", ANY_AM="ANY")}
        workers = [pg_agency.notifier(config, environ) for _ in range(2)]
        summaries: list[RunSummary] = []
        for round_ in range(3):
            now = T0 + timedelta(minutes=round_)
            for number in range(REPLIES_PER_ROUND):
                bidder = "Ana" if number % 2 else "Ben"
                pg_agency.reply(bidder, f"Question {number} of round {round_}", at=now)
            if round_ == 1:  # already queued: the runs race only to send
                with session_scope(pg_agency.url) as session:
                    alert_new_replies(session=session, notifier=workers[0], now=now)
            summaries += _both_at_once(pg_agency, workers, now)

        alerts = pg_agency.alerts()
        assert len(alerts) == 3 * REPLIES_PER_ROUND
        assert {alert.status for alert in alerts} == {"sent"}
        sent = Counter((request.path, request.body) for request in server.requests)
        assert len(sent) == len(alerts) and set(sent.values()) == {1}
        assert Counter(path for path, _ in sent) == {"/ana": 9, "/any": 9}
        assert sum(summary.sent for summary in summaries) == len(alerts)
        assert len(pg_agency.events("alert_sent")) == len(alerts)
        assert {alert.recipient for alert in alerts} == {ANA_AM, ANY_AM}
