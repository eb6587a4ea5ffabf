"""The email feed through the registry and ``poll_feed``: jobs stored, the UID cursor saved with
them, and the same job seen through the API linked rather than stored twice."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from bidflow import db
from bidflow.config import AgencyConfig
from bidflow.models import Job, JobAlias, SourceState
from bidflow.settings import Settings
from bidflow.store.jobs import store_jobs
from bidflow.types import utcnow
from connectors.feeds.polling import poll_feed
from tests.connectors.email.alert_mails import DIGEST_JOBS, alert_mail
from tests.connectors.email.conftest import PASSWORD_ENV
from tests.connectors.email.imap_server import ImapServer
from tests.factories import agency_dict, make_job


def test_alert_mail_polled_into_the_database(
    imap_server: ImapServer, sqlite_url: str, tmp_path: Path
) -> None:
    feed = {
        "name": "alerts",
        "kind": "email",
        "host": "127.0.0.1",
        "port": imap_server.port,
        "tls": "none",
        "username": imap_server.username,
        "password_env": PASSWORD_ENV,
    }
    agency = AgencyConfig.model_validate(agency_dict(feeds=[feed]))
    settings = Settings(home=tmp_path, database_url=sqlite_url)
    first_job = DIGEST_JOBS[0]
    with db.session_scope(sqlite_url) as session:  # the API source saw the first job already
        store_jobs(session=session, jobs=[make_job(source="api", url=first_job.job_url)])
    imap_server.add(alert_mail())

    summary = poll_feed(agency.feeds[0], agency, settings, sqlite_url, utcnow())

    assert summary.error is None and summary.fetched == len(DIGEST_JOBS)
    assert (summary.new, summary.linked) == (len(DIGEST_JOBS) - 1, 1)
    with db.session_scope(sqlite_url) as session:
        stored = session.exec(select(Job).where(Job.source == "alerts")).all()
        assert sorted(j.title for j in stored) == sorted(j.title for j in DIGEST_JOBS[1:])
        alias = session.exec(select(JobAlias)).one()
        assert (alias.source, alias.kind) == ("alerts", "duplicate")
        state = session.get(SourceState, "alerts")
        assert state is not None and state.cursor["last_uid"] == 1

    again = poll_feed(agency.feeds[0], agency, settings, sqlite_url, utcnow())
    assert (again.fetched, again.new) == (0, 0)  # the cursor moved past the mail
    writes = {"STORE", "EXPUNGE", "COPY", "MOVE", "DELETE"}
    assert not [verb for verb in imap_server.verbs() if writes & set(verb.split())]
