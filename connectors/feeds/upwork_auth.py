"""Upwork OAuth2 for one feed: its token file, refreshing it under a lock, and the access token
every request to Upwork carries."""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

from bidflow.config.feeds import UpworkApiFeedConfig
from bidflow.errors import FeedError
from connectors.feeds.upwork_http import post_with_retries

# Refresh this long before expiry, so a token never dies between reading it and using it.
REFRESH_MARGIN = timedelta(minutes=5)


@dataclass(frozen=True)
class Tokens:
    """A feed's OAuth2 tokens: the access token sent as Bearer, the one-use refresh token that
    replaces it, and when the access token expires (UTC)."""

    access_token: str
    refresh_token: str
    expires_at: datetime

    @classmethod
    def from_grant(cls, payload: Any, *, previous_refresh: str | None = None) -> Tokens:
        """Tokens from a token-endpoint answer. Raises ValueError when it carries none."""
        if not isinstance(payload, Mapping) or not isinstance(payload.get("access_token"), str):
            raise ValueError("no access_token in the answer")
        refresh = payload.get("refresh_token") or previous_refresh
        if not isinstance(refresh, str):
            raise ValueError("no refresh_token in the answer")
        lifetime = payload.get("expires_in")
        seconds = float(lifetime) if isinstance(lifetime, int | float | str) else 86_400.0
        expires_at = datetime.now(UTC) + timedelta(seconds=seconds)
        return cls(payload["access_token"], refresh, expires_at)

    def expiring(self) -> bool:
        return self.expires_at - REFRESH_MARGIN <= datetime.now(UTC)


class TokenStore:
    """The token file of one feed, ``$BIDFLOW_HOME/secrets/upwork-<feed>.json`` (mode 0600 in a
    0700 folder), and the lock file beside it that lets one refresh happen at a time."""

    def __init__(self, home: Path, feed: str) -> None:
        self.feed = feed
        self.path = home / "secrets" / f"upwork-{feed}.json"
        self.lock_path = self.path.with_suffix(".lock")

    def load(self) -> Tokens | None:
        """The saved tokens; None when the feed was never connected."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            expires_at = datetime.fromisoformat(data["expires_at"])
            return Tokens(data["access_token"], data["refresh_token"], expires_at)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise FeedError(
                f"{self.feed}: the Upwork token file {self.path} is unreadable ({exc});"
                f" run `bidflow connect upwork --feed {self.feed}`"
            ) from None

    def save(self, tokens: Tokens) -> None:
        """Replace the file atomically: a crash leaves the old tokens or the new, never half."""
        folder = self._folder()
        text = json.dumps(asdict(tokens) | {"expires_at": tokens.expires_at.isoformat()})
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{self.path.name}.")  # 0600
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        directory = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(directory)  # makes the rename itself survive a power cut
        finally:
            os.close(directory)

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the feed's refresh lock: blocks other threads and processes on this machine."""
        self._folder()
        handle = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
        finally:
            os.close(handle)  # closing releases the lock

    def _folder(self) -> Path:
        folder = self.path.parent
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        # mkdir's mode passes through the umask, and a folder made earlier keeps its own.
        os.chmod(folder, 0o700)
        return folder


@dataclass(frozen=True)
class OAuthClient:
    """An Upwork API key's side of OAuth2: its client id, the environment variable holding its
    secret, and the endpoints it talks to."""

    feed: str
    client_id: str
    secret_env: str
    redirect_uri: str
    authorize_url: str
    token_url: str

    @classmethod
    def from_config(cls, feed: UpworkApiFeedConfig) -> OAuthClient:
        return cls(
            feed.name,
            feed.client_id,
            feed.client_secret_env,
            feed.redirect_uri,
            feed.authorize_url,
            feed.token_url,
        )

    def authorization_url(self, state: str) -> str:
        query = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "state": state,
        }
        return f"{self.authorize_url}{'&' if '?' in self.authorize_url else '?'}{urlencode(query)}"

    def secret(self) -> str:
        value = os.environ.get(self.secret_env, "").strip()
        if not value:
            raise FeedError(
                f"{self.feed}: environment variable {self.secret_env} is not set;"
                " set it to your Upwork API key's secret"
            )
        return value

    def exchange(self, code: str, http: httpx.Client) -> Tokens:
        """Tokens for the code Upwork gave the person who approved access."""
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri}
        return self._grant(
            form,
            http,
            refused=f"{self.feed}: Upwork refused the authorization code (a code works once and"
            f" only for minutes); run `bidflow connect upwork --feed {self.feed}` again",
        )

    def refresh(self, refresh_token: str, http: httpx.Client) -> Tokens:
        """New tokens; Upwork rotates the refresh token, so the one passed in is dead after this."""
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        return self._grant(
            form,
            http,
            previous_refresh=refresh_token,
            refused=f"{self.feed}: Upwork authorization expired or was revoked;"
            f" run `bidflow connect upwork --feed {self.feed}`",
        )

    def _grant(
        self,
        form: dict[str, str],
        http: httpx.Client,
        *,
        refused: str,
        previous_refresh: str | None = None,
    ) -> Tokens:
        credentials = {"client_id": self.client_id, "client_secret": self.secret()}
        response = post_with_retries(http, self.token_url, feed=self.feed, data=form | credentials)
        try:
            payload = response.json()
        except ValueError:
            payload = {}
        if response.is_success:
            try:
                return Tokens.from_grant(payload, previous_refresh=previous_refresh)
            except ValueError as exc:
                raise FeedError(
                    f"{self.feed}: Upwork's token endpoint answered oddly ({exc})"
                ) from None
        error = payload.get("error") if isinstance(payload, dict) else None
        if error == "invalid_grant":
            raise FeedError(refused)
        raise FeedError(
            f"{self.feed}: Upwork's token endpoint refused the request (HTTP"
            f" {response.status_code} {error or response.reason_phrase});"
            f" check client_id and {self.secret_env}"
        )


class AccessTokens:
    """A feed's current access token, read from its token file for every request (so workers
    sharing the file see each other's refreshes) and refreshed before expiry or after a 401."""

    def __init__(self, store: TokenStore, oauth: OAuthClient, http: httpx.Client) -> None:
        self.store, self.oauth, self.http = store, oauth, http

    def current(self) -> str:
        tokens = self._load()
        return self.refresh(stale=tokens.access_token) if tokens.expiring() else tokens.access_token

    def refresh(self, *, stale: str) -> str:
        """A new access token replacing ``stale``; only one refresh runs at a time per feed."""
        with self.store.locked():
            tokens = self._load()
            if tokens.access_token != stale and not tokens.expiring():
                return tokens.access_token  # another worker refreshed while this one waited
            fresh = self.oauth.refresh(tokens.refresh_token, self.http)
            # Saved before use: the old refresh token is already dead, so losing these would
            # disconnect the feed.
            self.store.save(fresh)
            return fresh.access_token

    def _load(self) -> Tokens:
        tokens = self.store.load()
        if tokens is None:
            feed = self.store.feed
            raise FeedError(
                f"{feed}: not connected to Upwork yet; run `bidflow connect upwork --feed {feed}`"
            )
        return tokens
