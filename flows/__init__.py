"""Prefect flows: thin orchestration over the store, connectors, rules, prompts and analytics."""
