"""Bundled sample data: a deterministic generator of realistic job postings."""
