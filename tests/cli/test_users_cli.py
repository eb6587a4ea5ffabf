"""`bidflow users add | passwd | list`: desk users from the command line or the agency config."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from bidflow import db
from bidflow.cli import cli
from bidflow.passwords import password_matches
from bidflow.settings import get_settings
from bidflow.store.users import find_user
from tests.cli.conftest import invoke
from tests.factories import agency_dict, write_config

PASSWORD = "a long enough password"


def _run(*args: str, stdin: str = "") -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=stdin, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _stored_hash(email: str) -> str | None:
    with db.session_scope(get_settings().resolved_database_url) as session:
        user = find_user(session=session, email=email)
        return None if user is None else user.password_hash


def test_add_then_list_then_sign_in_hash(bidflow_home: Path) -> None:
    assert "no desk users yet" in invoke("users", "list").stdout
    code, out, _ = _run(
        "users", "add", "Lead@Agency.test", "--name", "Sam", "--role", "sales_lead",
        "--password-stdin", stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert code == 0 and "can sign in" in out
    assert password_matches(_stored_hash("lead@agency.test"), PASSWORD)
    listing = invoke("users", "list").stdout
    assert "lead@agency.test" in listing and "sales_lead" in listing


def test_a_short_password_or_a_bidder_without_a_bidder_name_is_refused(bidflow_home: Path) -> None:
    code, _, err = _run(
        "users", "add", "a@agency.test", "--name", "A", "--role", "owner",
        "--password-stdin", stdin="short\n",
    )  # fmt: skip
    assert code == 2 and "at least 10 characters" in err and "Traceback" not in err
    code, _, err = _run(
        "users", "add", "b@agency.test", "--name", "B", "--role", "bidder",
        "--password-stdin", stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert code == 2 and "--role bidder needs exactly one --bidder" in err
    assert "no desk users yet" in invoke("users", "list").stdout


def test_passwd_sets_a_password_for_a_user_of_the_agency_config(bidflow_home: Path) -> None:
    data = agency_dict()
    data["users"] = [{"email": "ana@agency.test", "name": "Ana", "role": "bidder", "bidder": "Ana"}]
    write_config(bidflow_home, data)

    code, out, _ = _run("users", "passwd", "ANA@agency.test", "--password-stdin", stdin=PASSWORD)
    assert code == 0 and "password set" in out
    assert password_matches(_stored_hash("ana@agency.test"), PASSWORD)

    code, _, err = _run("users", "passwd", "who@agency.test", "--password-stdin", stdin=PASSWORD)
    assert code == 2 and "neither a desk user nor in" in err
