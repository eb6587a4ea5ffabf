"""Triage (which jobs are worth a proposal, and for whom) and guardrails (volume and content)."""
