"""bidflow: the domain of a marketplace sales pipeline (settings, models, store, config)."""

__version__ = "0.1.0"
