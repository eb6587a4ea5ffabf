"""`bidflow connect upwork`: from the printed address to a private token file that works."""

from __future__ import annotations

import stat
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner, Result

from bidflow.cli.connect_commands import code_from_reply, connect
from bidflow.errors import FeedError
from connectors.feeds.upwork_api import UpworkApiSource
from connectors.feeds.upwork_auth import TokenStore
from tests.connectors.upwork.fake_server import FakeUpwork
from tests.connectors.upwork.nodes import make_node
from tests.connectors.upwork.support import context, feed_config
from tests.factories import agency_dict, write_config


@pytest.fixture
def config_path(fake_upwork: FakeUpwork, tmp_path: Path) -> Path:
    feed = feed_config(fake_upwork).model_dump(mode="json", exclude_defaults=True)
    return write_config(tmp_path / "config", agency_dict(feeds=[{"kind": "upwork_api", **feed}]))


def run_connect(config_path: Path, *args: str, answer: str | None = None) -> Result:
    arguments = ["upwork", "--feed", "up", "--config", str(config_path), *args]
    return CliRunner().invoke(connect, arguments, input=answer, catch_exceptions=False)


def test_connect_prints_the_address_exchanges_the_code_and_saves_private_tokens(
    fake_upwork: FakeUpwork, upwork_secret: str, config_path: Path, bidflow_home: Path
) -> None:
    code = fake_upwork.issue_code()

    result = run_connect(config_path, answer=f"{code}\n")

    assert result.exit_code == 0, result.output
    address = next(w for w in result.stdout.split() if w.startswith(fake_upwork.authorize_url))
    query = parse_qs(urlsplit(address).query)
    assert {k: v[0] for k, v in query.items() if k != "state"} == {
        "response_type": "code",
        "client_id": fake_upwork.client_id,
        "redirect_uri": fake_upwork.redirect_uri,
    }
    assert len(query["state"][0]) >= 16
    (exchange,) = fake_upwork.requests("token")
    assert (exchange.form["grant_type"], exchange.form["code"]) == ("authorization_code", code)
    store = TokenStore(bidflow_home, "up")
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700
    assert f"Tokens saved to {store.path}" in result.stdout
    # The saved tokens are the ones Upwork issued: a poll is let in with them.
    fake_upwork.publish(make_node())
    source = UpworkApiSource.from_config(feed_config(fake_upwork))
    assert len(source.fetch(context(bidflow_home)).jobs) == 1
    tokens = store.load()
    assert tokens is not None
    assert [r.bearer for r in fake_upwork.requests("graphql")] == [tokens.access_token]


def test_the_whole_redirect_address_may_be_pasted(
    fake_upwork: FakeUpwork, upwork_secret: str, config_path: Path, bidflow_home: Path
) -> None:
    code = fake_upwork.issue_code()

    result = run_connect(config_path, answer=f"{fake_upwork.redirect_uri}?code={code}\n")

    assert result.exit_code == 0, result.output
    assert TokenStore(bidflow_home, "up").load() is not None


def test_scripts_pass_the_code_as_an_option(
    fake_upwork: FakeUpwork, upwork_secret: str, config_path: Path, bidflow_home: Path
) -> None:
    result = run_connect(config_path, "--code", fake_upwork.issue_code())

    assert result.exit_code == 0, result.output
    assert "Open this address" not in result.stdout
    assert TokenStore(bidflow_home, "up").load() is not None


def test_a_missing_secret_is_one_line_naming_the_variable(
    fake_upwork: FakeUpwork, config_path: Path
) -> None:
    result = run_connect(config_path, "--code", "whatever")

    assert result.exit_code == 2
    assert result.stderr == (
        "error: up: environment variable UPWORK_CLIENT_SECRET is not set;"
        " set it to your Upwork API key's secret\n"
    )
    assert fake_upwork.seen == []


def test_an_address_from_another_attempt_is_refused(
    fake_upwork: FakeUpwork, upwork_secret: str, config_path: Path
) -> None:
    reply = f"{fake_upwork.redirect_uri}?code={fake_upwork.issue_code()}&state=someone-elses"

    result = run_connect(config_path, answer=f"{reply}\n")

    assert result.exit_code == 2
    assert "state does not match" in result.stderr and len(result.stderr.splitlines()) == 1
    assert fake_upwork.seen == []


def test_a_used_code_is_refused_with_what_to_do(
    fake_upwork: FakeUpwork, upwork_secret: str, config_path: Path
) -> None:
    code = fake_upwork.issue_code()
    assert run_connect(config_path, "--code", code).exit_code == 0

    result = run_connect(config_path, "--code", code)

    assert result.exit_code == 2
    assert result.stderr == (
        "error: up: Upwork refused the authorization code (a code works once and only for"
        " minutes); run `bidflow connect upwork --feed up` again\n"
    )


def test_an_unknown_feed_names_the_feeds_there_are(config_path: Path) -> None:
    result = CliRunner().invoke(connect, ["upwork", "--feed", "nope", "--config", str(config_path)])

    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {config_path}: no upwork_api feed named 'nope' (upwork_api feeds: up)\n"
    )


@pytest.mark.parametrize(
    ("reply", "code"),
    [
        ("  abc123  ", "abc123"),
        ("https://localhost/callback?code=abc123&state=mine", "abc123"),
        ("https://localhost/callback?state=mine&code=abc%2F123", "abc/123"),
        ("?code=abc123", "abc123"),
    ],
)
def test_a_code_is_read_from_what_was_pasted(reply: str, code: str) -> None:
    assert code_from_reply(reply, "mine", feed="up") == code


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        ("", "no code was pasted"),
        ("https://localhost/callback?error=access_denied&state=mine", "(access_denied)"),
        ("https://localhost/callback?code=abc&state=theirs", "state does not match"),
        ("https://localhost/callback?state=mine", "no code"),
    ],
)
def test_a_reply_without_a_usable_code_says_why(reply: str, problem: str) -> None:
    with pytest.raises(
        FeedError, match=r"^up: .*" + problem.replace("(", r"\(").replace(")", r"\)")
    ):
        code_from_reply(reply, "mine", feed="up")
