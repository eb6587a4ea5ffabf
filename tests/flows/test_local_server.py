"""Finding a Prefect server for `bidflow serve`: reuse what answers, refuse what is not Prefect,
and say which log to read when the one started here fails (tests/cli/test_serve.py starts real
ones)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from flows.local_server import PrefectServerError, api_answers, external_server, local_server
from tests.connectors.servers import Reply, Request, serve, unused_port


@pytest.fixture(autouse=True)
def _prefect() -> Iterator[None]:
    """Overrides tests/flows/conftest's: nothing here talks to the Prefect test server."""
    yield


def _prefect_like(request: Request) -> Reply:
    return Reply(body=b"true") if request.path == "/api/health" else Reply(status=404)


def _not_prefect(request: Request) -> Reply:
    return Reply(status=404, body=b"not here")


def test_a_server_answering_on_the_port_is_reused_and_never_stopped(bidflow_home: Path) -> None:
    with serve(_prefect_like) as running:
        server = local_server(bidflow_home, running.port)
        assert server.api_url == f"http://127.0.0.1:{running.port}/api"
        assert server.ui_url == f"http://127.0.0.1:{running.port}"
        assert not server.started_here
        server.stop()  # a no-op for a reused server
        assert api_answers(server.api_url)
    assert not (bidflow_home / "logs").exists()  # nothing was started


def test_a_port_taken_by_something_else_is_refused(bidflow_home: Path) -> None:
    with serve(_not_prefect) as other:
        with pytest.raises(PrefectServerError, match=f"port {other.port} on 127.0.0.1 is taken"):
            local_server(bidflow_home, other.port)
        assert not api_answers(f"http://127.0.0.1:{other.port}/api")


def test_an_external_api_that_does_not_answer_is_refused() -> None:
    url = f"http://127.0.0.1:{unused_port()}/api"
    with pytest.raises(PrefectServerError, match=f"PREFECT_API_URL={url} does not answer"):
        external_server(url)
    with serve(_prefect_like) as running:
        assert external_server(running.url("/api")).process is None


def test_a_server_that_fails_to_start_points_at_its_log(
    bidflow_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Prefect refuses this database at start-up and exits, as with a mistyped setting.
    monkeypatch.setenv("PREFECT_API_DATABASE_CONNECTION_URL", "mysql://nobody@127.0.0.1:1/x")
    server = local_server(bidflow_home, unused_port())
    assert server.started_here
    with pytest.raises(PrefectServerError) as failed:
        server.wait_until_ready()
    log = bidflow_home / "logs" / "prefect-server.log"
    assert str(failed.value) == (
        f"the Prefect server exited with code 3 before answering; its log is {log}"
    )
    assert "Unable to infer database configuration" in log.read_text()
