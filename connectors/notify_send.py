"""Sending one notification through apprise, with retries within a run.

Runs deliver to several recipients at once from a thread pool, so why a send failed is read
from apprise's log per thread: apprise reports failures only there, and its own
``LogCapture`` would mix the warnings of concurrent sends (and changes the shared logger's
level while it runs).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import apprise
from apprise.logger import LOGGER_NAME
from apprise.plugins.custom_form import NotifyForm
from apprise.plugins.custom_json import NotifyJSON
from apprise.plugins.custom_xml import NotifyXML
from apprise.plugins.email import NotifyEmail

from connectors.notifier import Notifier
from connectors.notify_render import AlertMessage, Style, render

# Services that show exactly what they are given: mail, and generic webhooks whose receiving
# end decides what to do with the text. Every other service is a chat, where text can ping.
_VERBATIM_SERVICES = (NotifyEmail, NotifyJSON, NotifyXML, NotifyForm)


class UnreadableURL(ValueError):
    """Apprise does not know what to do with this URL."""


@dataclass(frozen=True)
class ChannelResult:
    """How one channel fared: ``error`` is None when it delivered. A ``permanent`` error is
    configuration (an unset variable, an unreadable URL), which no later try can fix."""

    url_env: str
    error: str | None
    permanent: bool = False


def deliver(
    notifier: Notifier, url_envs: Sequence[str], message: AlertMessage, deadline: float
) -> list[ChannelResult]:
    """Send ``message`` on each channel (the variables naming their apprise URLs), retrying
    each with backoff, but never waiting past ``deadline`` (``notifier.clock`` time)."""
    return [_deliver_with_retries(notifier, env, message, deadline) for env in url_envs]


def _deliver_with_retries(
    notifier: Notifier, url_env: str, message: AlertMessage, deadline: float
) -> ChannelResult:
    url = notifier.environ.get(url_env, "").strip()
    if not url:
        return ChannelResult(url_env, f"environment variable {url_env} is not set", True)
    backoff = notifier.backoff
    error: str | None = None
    for tries in range(1, backoff.attempts + 1):
        try:
            error = send_apprise(url, title=message.title, render=lambda s: render(message, s))
        except UnreadableURL as exc:
            return ChannelResult(url_env, str(exc), permanent=True)
        if error is None:
            return ChannelResult(url_env, None)
        if tries < backoff.attempts:
            wait = backoff.delay(tries, None, notifier.rng)
            if notifier.clock() + wait >= deadline:
                break  # the run's time is up: a later run tries again
            notifier.sleep(wait)
    return ChannelResult(url_env, error)


def send_apprise(url: str, *, title: str, render: Callable[[Style], str]) -> str | None:
    """Send one notification to one apprise URL, the body rendered for what the service shows;
    None if apprise reports success, else its warnings. The only function that calls apprise."""
    plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        raise UnreadableURL(
            "apprise cannot read the channel's URL; check its scheme and parameters"
            " (https://github.com/caronc/apprise/wiki)"
        )
    style = style_of(plugin)
    sender = apprise.Apprise()
    sender.add(plugin)
    with _warnings_of_this_thread() as warnings:
        ok = sender.notify(body=render(style), title=title, body_format=style.format)
    return None if ok else ("\n".join(warnings) or "apprise reported a failure")


def style_of(plugin: apprise.NotifyBase) -> Style:
    """How the service behind ``plugin`` shows a body, and whether text in it can ping."""
    service_format = plugin.notify_format
    markdown = service_format == apprise.NotifyFormat.MARKDOWN
    return Style(
        "text" if service_format == apprise.NotifyFormat.TEXT else "html",
        chat=markdown or not isinstance(plugin, _VERBATIM_SERVICES),
    )


class _ThreadWarnings(logging.Handler):
    """Keeps the warnings apprise logs from one thread."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.messages.append(record.getMessage())


@contextmanager
def _warnings_of_this_thread() -> Iterator[list[str]]:
    handler = _ThreadWarnings()
    logger = logging.getLogger(LOGGER_NAME)
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)
