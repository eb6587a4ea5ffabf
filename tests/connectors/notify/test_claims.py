"""Sending holds no transaction: other writers go on while a channel is slow, a second run
does not send what the first claimed, a dead run's claims are taken over, recipients are
served in parallel, and a run never outstays its claims."""

from __future__ import annotations

import itertools
import random
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from bidflow.db import session_scope
from bidflow.store.alert_delivery import CLAIM_EXPIRY
from connectors.notify import Notifier, RunSummary
from connectors.notify_plan import plan_deliveries
from connectors.notify_queue import alert_new_replies
from tests.connectors.notify.conftest import T0, Agency, recipients
from tests.connectors.notify.servers import webhook
from tests.connectors.servers import LocalServer, Reply, Request, serve

PATIENCE_S = 10  # how long a held-up receiver waits before answering anyway


class _Ceiling(random.Random):
    """Full jitter at its longest: every wait is its ceiling."""

    def uniform(self, a: float, b: float) -> float:
        return b


@dataclass
class HeldUp:
    """A notifier run whose one alert has reached a service that does not answer yet."""

    notifier: Notifier
    run: Future[RunSummary]
    server: LocalServer


@contextmanager
def _sending_held_up(agency: Agency) -> Iterator[HeldUp]:
    """Ana's reply alerted to a webhook that holds the request until the block ends."""
    arrived, answer_now = threading.Event(), threading.Event()

    def slow_service(request: Request) -> Reply:
        arrived.set()
        answer_now.wait(timeout=PATIENCE_S)
        return Reply(200, b"{}")

    with serve(slow_service) as server:
        environ = {"HOOK": f"json://127.0.0.1:{server.port}/alerts"}
        notifier = agency.notifier({"recipients": recipients(ANA_AM="HOOK")}, environ)
        agency.reply("Ana", "Could you start on Monday?", at=T0)
        with ThreadPoolExecutor(max_workers=1) as pool:
            run = pool.submit(agency.run, notifier, T0)
            assert arrived.wait(timeout=PATIENCE_S)
            try:
                yield HeldUp(notifier, run, server)
            finally:
                answer_now.set()


def test_other_writers_go_on_while_an_alert_is_being_sent(agency: Agency) -> None:
    with _sending_held_up(agency) as sending:
        started = time.monotonic()
        agency.reply("Ben", "Meanwhile another client writes", at=T0)  # a write transaction
        waited = time.monotonic() - started

    assert waited < 2  # the writer did not wait for the channel
    assert sending.run.result(timeout=30).sent == 1


def test_a_second_run_does_not_send_what_the_first_is_sending(agency: Agency) -> None:
    with _sending_held_up(agency) as sending:
        started = time.monotonic()
        second = agency.run(sending.notifier, T0 + timedelta(seconds=30))
        second_took = time.monotonic() - started
        (during,) = agency.alerts()

    assert sending.run.result(timeout=30).sent == 1
    assert second.sent == 0
    assert second_took < 2  # it did not wait for the first run to finish sending
    assert (during.status, during.claimed_at) == ("sending", T0)
    assert len(sending.server.requests) == 1
    (alert,) = agency.alerts()
    assert (alert.status, alert.claimed_at) == ("sent", None)


def test_what_a_dead_run_claimed_is_sent_once_its_claim_expires(agency: Agency) -> None:
    with webhook() as hook:
        notifier = agency.notifier({"recipients": recipients(ANA_AM="HOOK")}, {"HOOK": hook.url()})
        agency.reply("Ana", "Could you start on Monday?", at=T0)
        # A run that claims and dies before sending: its first transaction, and nothing else.
        with session_scope(agency.url, write=True) as session:
            alert_new_replies(session=session, notifier=notifier, now=T0)
            assert len(plan_deliveries(session=session, notifier=notifier, now=T0).deliveries) == 1

        early = agency.run(notifier, T0 + CLAIM_EXPIRY - timedelta(seconds=1))
        late = agency.run(notifier, T0 + CLAIM_EXPIRY + timedelta(seconds=1))

        assert (early.sent, late.sent) == (0, 1)
        assert len(hook.payloads) == 1
        (alert,) = agency.alerts()
        assert (alert.status, alert.attempts) == ("sent", 1)


def test_a_slow_channel_does_not_delay_other_recipients(agency: Agency) -> None:
    fast_served = threading.Event()
    slow_saw_fast = []

    def services(request: Request) -> Reply:
        if request.path == "/slow":
            slow_saw_fast.append(fast_served.wait(timeout=PATIENCE_S))
        else:
            fast_served.set()
        return Reply(200, b"{}")

    with serve(services) as server:
        base = f"json://127.0.0.1:{server.port}"
        environ = {"SLOW": f"{base}/slow", "FAST": f"{base}/fast"}
        config = {"recipients": recipients(ANA_AM="SLOW", ANY_AM="FAST")}
        notifier = agency.notifier(config, environ)
        agency.reply("Ana", "Ana's client first", at=T0)  # the slow recipient's, claimed first
        agency.reply("Ben", "Ben's client second", at=T0)

        started = time.monotonic()
        summary = agency.run(notifier, T0)

        assert summary.sent == 2
        assert slow_saw_fast == [True]  # the fast one was served while the slow one hung
        assert time.monotonic() - started < PATIENCE_S


def test_retries_within_a_run_never_wait_past_its_time(agency: Agency) -> None:
    config = {
        "recipients": recipients(ANA_AM="HOOK"),
        "retry": {"attempts": 10, "backoff": "60s", "max_wait": "60s"},
    }
    with webhook([500] * 10) as hook:
        # The clock moves only by the waits: 60 s each, and a run has 300 s to send.
        notifier = agency.notifier(
            config, {"HOOK": hook.url()}, clock=lambda: sum(agency.sleeps), rng=_Ceiling()
        )
        agency.reply("Ana", "Hello?", at=T0)

        summary = agency.run(notifier, T0)

        assert len(hook.payloads) == 5  # tries at 0, 60, 120, 180 and 240 s; no wait to 300 s
        assert summary.retrying == 1
        (alert,) = agency.alerts()
        assert (alert.status, alert.attempts) == ("pending", 1)


def test_deliveries_a_run_has_no_time_left_for_wait_for_the_next_run(agency: Agency) -> None:
    with webhook() as hook:
        environ = {"HOOK": hook.url()}
        config = {"recipients": recipients(ANA_AM="HOOK")}
        ticks = itertools.chain([0.0], itertools.repeat(10_000.0))  # the time is up at once
        late = agency.notifier(config, environ, clock=lambda: next(ticks))
        agency.reply("Ana", "Hello?", at=T0)

        untried = agency.run(late, T0)
        (waiting,) = agency.alerts()
        tried = agency.run(agency.notifier(config, environ), T0 + timedelta(seconds=10))

        assert (untried.sent, untried.retrying, untried.failed) == (0, 0, 0)
        assert (waiting.status, waiting.attempts, waiting.claimed_at) == ("pending", 0, None)
        assert tried.sent == 1 and len(hook.payloads) == 1
