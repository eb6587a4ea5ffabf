"""Where client messages and proposal statuses come from; see ``connectors.inbox.base``."""
