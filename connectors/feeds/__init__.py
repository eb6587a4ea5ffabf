"""Job feeds: one Protocol (``connectors.feeds.base.FeedSource``), one registry from config
``kind`` to source (``connectors.feeds.registry``).

Nothing is imported here: ingest worker processes import the parsing modules alone, without
every source's client library.
"""
