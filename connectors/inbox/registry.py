"""The polled inbox source for each ``kind`` of the agency config's ``inbox`` entries."""

from __future__ import annotations

from bidflow.config.inbox import EmailInboxConfig, InboxSourceConfig, UpworkInboxConfig
from bidflow.config.schema import AgencyConfig
from connectors.inbox.base import InboxSource


def inbox_source(entry: InboxSourceConfig, config: AgencyConfig) -> InboxSource:
    """The source an ``inbox`` entry describes (imported here, so a deployment that reads only
    one kind never loads the others' clients)."""
    if isinstance(entry, UpworkInboxConfig):
        from connectors.inbox.upwork import UpworkInboxSource

        feed = next(f for f in config.feeds if f.name == entry.feed and f.kind == "upwork_api")
        return UpworkInboxSource.from_config(entry, feed)
    if isinstance(entry, EmailInboxConfig):
        from connectors.inbox.email import EmailInboxSource

        return EmailInboxSource.from_config(entry)
    raise TypeError(f"no inbox source for kind {entry.kind!r}")  # pragma: no cover
