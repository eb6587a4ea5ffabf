"""``bidflow users add | passwd | list``: who may sign in to the review desk."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlmodel import Session

from bidflow import db
from bidflow.config import Role, UserConfig, load_agency_config
from bidflow.errors import ConfigError, NotFoundError
from bidflow.passwords import hash_password, password_problem
from bidflow.settings import get_settings
from bidflow.store.bidders import sync_bidders
from bidflow.store.users import find_user, list_users, save_user, sync_users

_stdin_option = click.option(
    "--password-stdin", is_flag=True, help="Read the password from standard input (scripts)."
)
ADD_USER = "bidflow users add EMAIL --name NAME --role ROLE"
_ROLES = click.Choice([role.value for role in Role])


@click.group(name="users")
def users_group() -> None:
    """Manage review-desk users (owner, sales_lead, account_manager, bidder)."""


@users_group.command()
@click.argument("email")
@click.option("--name", required=True, help="The name shown in the desk.")
@click.option("--role", type=_ROLES, required=True, help="What the user may do.")
@click.option(
    "--bidder",
    "bidders",
    multiple=True,
    help="--role bidder: the bidder whose proposals they see (one). --role account_manager:"
    " a bidder whose clients they look after (repeat; none: every client).",
)
@_stdin_option
def add(email: str, name: str, role: str, bidders: tuple[str, ...], password_stdin: bool) -> None:
    """Add a user (or update one) and set their password."""
    if role == Role.BIDDER.value and len(bidders) != 1:
        raise ConfigError("--role bidder needs exactly one --bidder: whose proposals they see")
    if bidders and role not in (Role.BIDDER.value, Role.ACCOUNT_MANAGER.value):
        raise ConfigError("--bidder applies to --role bidder and --role account_manager only")
    password_hash = hash_password(_new_password(password_stdin))
    url = _database()
    with db.session_scope(url) as session:
        if bidders:
            _sync_configured_bidders(session)
        save_user(
            session=session,
            email=email,
            name=name,
            role=Role(role),
            bidder=bidders[0] if role == Role.BIDDER.value else None,
            manages=bidders if role == Role.ACCOUNT_MANAGER.value else (),
            password_hash=password_hash,
        )
    click.echo(f"{email}: {role}, can sign in")


@users_group.command()
@click.argument("email")
@_stdin_option
def passwd(email: str, password_stdin: bool) -> None:
    """Set the password of EMAIL, a desk user or a user listed in the agency config."""
    url = _database()
    with db.session_scope(url) as session:
        user = find_user(session=session, email=email)
        if user is None:
            _sync_configured_bidders(session)
            (user,) = sync_users(session=session, users=[_configured_user(email)])
        user.password_hash = hash_password(_new_password(password_stdin))
        session.add(user)
    click.echo(f"{email}: password set")


@users_group.command(name="list")
def list_command() -> None:
    """List desk users and whether each can sign in yet."""
    with db.session_scope(_database()) as session:
        users = list_users(session=session)
        if not users:
            click.echo(f"no desk users yet; add one with `{ADD_USER}`")
        for user in users:
            state = "can sign in" if user.password_hash else "no password (`bidflow users passwd`)"
            click.echo(f"{user.email:32} {user.role:16} {user.name}  — {state}")


def _new_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    problem = password_problem(password)
    if problem is not None:
        raise ConfigError(problem)
    return password


def _database() -> str:
    url = get_settings().resolved_database_url
    db.upgrade(url)
    return url


def _configured_user(email: str) -> UserConfig:
    path: Path = get_settings().config_path
    agency = load_agency_config(path)
    for user in agency.users:
        if user.email.casefold() == email.strip().casefold():
            return user
    raise NotFoundError(
        f"{email} is neither a desk user nor in {path}'s users; add them with `{ADD_USER}`"
    )


def _sync_configured_bidders(session: Session) -> None:
    path = get_settings().config_path
    if path.exists():
        sync_bidders(session=session, bidders=load_agency_config(path).bidders)


COMMANDS = (users_group,)
