"""/healthz says the app is up; /healthz/ready says it can work: the database answers and, under
`bidflow serve`, so does the Prefect API that runs the schedules."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.connectors.servers import Reply, Request, serve, unused_port


def _prefect_health(request: Request) -> Reply:
    return Reply(body=b"true") if request.path == "/api/health" else Reply(status=404)


def test_liveness_keeps_its_contract(app: FastAPI) -> None:
    assert TestClient(app).get("/healthz").json() == {"status": "ok"}


def test_ready_with_a_database_and_no_prefect_to_check(app: FastAPI) -> None:
    answer = TestClient(app).get("/healthz/ready")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ready", "checks": {"database": "ok"}}


def test_ready_checks_the_prefect_api_under_bidflow_serve(app: FastAPI) -> None:
    with serve(_prefect_health) as prefect:
        app.state.prefect_api_url = prefect.url("/api")
        answer = TestClient(app).get("/healthz/ready")
        assert [r.path for r in prefect.requests] == ["/api/health"]
    assert answer.status_code == 200
    assert answer.json()["checks"] == {"database": "ok", "prefect": "ok"}


def test_unavailable_when_the_prefect_api_does_not_answer(app: FastAPI) -> None:
    app.state.prefect_api_url = f"http://127.0.0.1:{unused_port()}/api"
    answer = TestClient(app).get("/healthz/ready")
    assert answer.status_code == 503
    assert answer.json() == {
        "status": "unavailable",
        "reason": f"the Prefect API at {app.state.prefect_api_url} does not answer",
        "checks": {"database": "ok", "prefect": "unreachable"},
    }


def test_unavailable_when_the_database_cannot_be_reached(app: FastAPI) -> None:
    app.state.database_url = f"postgresql+psycopg://bidflow:x@127.0.0.1:{unused_port()}/bidflow"
    answer = TestClient(app).get("/healthz/ready")
    assert answer.status_code == 503
    assert answer.json()["reason"] == "the database cannot be reached: OperationalError"
    assert answer.json()["checks"] == {"database": "unreachable"}
