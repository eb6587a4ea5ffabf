"""``bidflow connect upwork``: the one-time OAuth2 setup that lets a feed read Upwork's API."""

from __future__ import annotations

import secrets
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import click
import httpx

from bidflow.cli import FriendlyGroup
from bidflow.config import AgencyConfig, load_agency_config
from bidflow.config.feeds import UpworkApiFeedConfig
from bidflow.errors import ConfigError, FeedError
from bidflow.settings import get_settings
from connectors.feeds.upwork_auth import OAuthClient, TokenStore


@click.group(cls=FriendlyGroup)
def connect() -> None:
    """Connect a feed to a marketplace account (once per feed; tokens stay on this machine)."""


@connect.command()
@click.option("--feed", "feed_name", required=True, help="Name of an upwork_api feed.")
@click.option("--config", "config_path", type=click.Path(path_type=Path), help="Agency config.")
@click.option("--code", help="The authorization code or redirect URL, instead of the prompt.")
def upwork(feed_name: str, config_path: Path | None, code: str | None) -> None:
    """Authorise the feed's Upwork API key: open the printed URL, approve, paste the result."""
    settings = get_settings()
    path = config_path or settings.config_path
    feed = upwork_feed(load_agency_config(path), feed_name, path)
    oauth = OAuthClient.from_config(feed)
    oauth.secret()  # a missing secret fails now, before the person approves anything
    state = secrets.token_urlsafe(16)
    if code is None:
        click.echo("Open this address, sign in to Upwork and allow access:\n")
        click.echo(f"  {oauth.authorization_url(state)}\n")
        click.echo(f"Upwork then sends your browser to {feed.redirect_uri}?code=…")
        code = click.prompt("Paste the code, or that whole address")
    with httpx.Client(timeout=30.0) as http:
        tokens = oauth.exchange(code_from_reply(code, state, feed=feed.name), http)
    store = TokenStore(settings.home, feed.name)
    store.save(tokens)
    click.echo(
        f"Connected feed '{feed.name}'. Tokens saved to {store.path} (only you can read it)."
    )


def upwork_feed(config: AgencyConfig, name: str, path: Path) -> UpworkApiFeedConfig:
    """The ``upwork_api`` feed called ``name`` in the config read from ``path``."""
    feeds = [feed for feed in config.feeds if isinstance(feed, UpworkApiFeedConfig)]
    for feed in feeds:
        if feed.name == name:
            return feed
    choices = ", ".join(f.name for f in feeds) or "none yet; add one with kind: upwork_api"
    raise ConfigError(f"{path}: no upwork_api feed named '{name}' (upwork_api feeds: {choices})")


def code_from_reply(reply: str, state: str, *, feed: str) -> str:
    """The authorization code in what the person pasted: the bare code, or the whole redirect
    address, whose ``state`` (when it has one) must be the one this run sent."""
    reply = reply.strip()
    if not reply:
        raise FeedError(f"{feed}: no code was pasted; run the command again")
    if not ("://" in reply or reply.startswith("?") or "code=" in reply or "error=" in reply):
        return reply  # a bare code
    query = parse_qs(urlsplit(reply).query or reply.lstrip("?"))
    if "error" in query:
        raise FeedError(
            f"{feed}: Upwork did not grant access ({query['error'][0]}); run the command again"
            " and choose Allow"
        )
    if query.get("state", [state])[0] != state:
        raise FeedError(
            f"{feed}: the pasted address belongs to another authorization attempt (its state"
            " does not match); open the address this run printed and paste where it leads"
        )
    if not query.get("code"):
        raise FeedError(f"{feed}: no code in the pasted address; paste the whole address")
    return query["code"][0]


COMMANDS = (connect,)
