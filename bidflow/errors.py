"""User-facing errors. Each message is written for the person who reads it and says what to do.

The edges (CLI, web, flow logs) turn these into one line; anything else is a bug.
"""

from __future__ import annotations


class BidflowError(Exception):
    """Base of every expected failure; its message is shown to a person as-is."""


class ConfigError(BidflowError):
    """The agency config (or a settings value) is missing or invalid."""


class FeedError(BidflowError):
    """One feed or one item of a feed could not be read; the rest of the batch goes on."""


class TemplateError(BidflowError):
    """A prompt template is missing, malformed or was rendered without a declared variable."""


class TransitionError(BidflowError):
    """A proposal was asked to move to a status it cannot reach from where it is."""


class NotFoundError(BidflowError):
    """A record a person named (job, proposal, bidder) does not exist."""


class DatabaseError(BidflowError):
    """The database cannot be reached or is not at the expected schema."""
