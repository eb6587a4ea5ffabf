"""Flows run against the session's Prefect test server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bidflow.samples.generator import write_sample_feeds
from bidflow.types import utcnow
from tests.connectors.email.imap_server import ImapServer
from tests.connectors.notify.servers import Webhook
from tests.flows.inbox_world import account_manager_hook, imap_mailbox

DEMO_CONFIG = Path(__file__).resolve().parents[2] / "bidflow" / "samples" / "agency.yaml"


@pytest.fixture(autouse=True)
def _prefect(prefect_harness: None) -> Iterator[None]:
    yield


@pytest.fixture
def sample_agency(tmp_path: Path) -> Path:
    """The demo agency config beside freshly generated sample feeds."""
    folder = tmp_path / "agency"
    write_sample_feeds(folder, anchor=utcnow())
    shutil.copyfile(DEMO_CONFIG, folder / "agency.yaml")
    return folder / "agency.yaml"


@pytest.fixture
def hook(monkeypatch: pytest.MonkeyPatch) -> Iterator[Webhook]:
    """The account manager's alert webhook (see ``tests.flows.inbox_world``)."""
    with account_manager_hook(monkeypatch) as receiver:
        yield receiver


@pytest.fixture
def imap(monkeypatch: pytest.MonkeyPatch) -> Iterator[ImapServer]:
    """An IMAP mailbox the email inbox source of ``inbox_world``'s agency reads."""
    with imap_mailbox(monkeypatch) as server:
        yield server
