"""Everything that talks to the outside world: feeds, the LLM, notifications."""
