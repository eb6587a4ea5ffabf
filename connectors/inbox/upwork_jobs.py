"""Naming each item's job the way the ``upwork_api`` job feed stored it, so the item finds its
proposal: the feed keeps a job under its ciphertext (``Job.external_id``) with the link
``https://www.upwork.com/jobs/<ciphertext>`` (``Job.url``), while proposals and rooms give
Upwork's numeric job id. One ``marketplaceJobPostingsContents`` request per 50 jobs turns
those ids into ciphertexts; a job it does not return keeps its numeric id (the feed's key for
a job without a ciphertext) and its title."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from connectors.feeds.upwork_nodes import JOB_URL
from connectors.inbox.base import InboxItem
from connectors.inbox.upwork_queries import JOB_KEYS_QUERY, Ask

IDS_PER_REQUEST = 50


def link_jobs(items: Sequence[InboxItem], ask: Ask) -> list[InboxItem]:
    """``items`` with ``job_id`` and ``job_url`` as the job feed stores them."""
    posting_ids = sorted({item.job_id for item in items if item.job_id})
    ciphertexts: dict[str, str] = {}
    for start in range(0, len(posting_ids), IDS_PER_REQUEST):
        chunk = posting_ids[start : start + IDS_PER_REQUEST]
        contents = ask(JOB_KEYS_QUERY, {"ids": chunk}).get("marketplaceJobPostingsContents")
        for node in contents if isinstance(contents, list) else []:
            if not isinstance(node, Mapping):
                continue
            posting_id, ciphertext = node.get("id"), node.get("ciphertext")
            if isinstance(posting_id, str | int) and isinstance(ciphertext, str):
                if ciphertext.strip():
                    ciphertexts[str(posting_id)] = ciphertext.strip()[:255]
    return [_linked(item, ciphertexts) for item in items]


def _linked(item: InboxItem, ciphertexts: Mapping[str, str]) -> InboxItem:
    ciphertext = ciphertexts.get(item.job_id or "")
    if ciphertext is None:
        return item
    return replace(item, job_id=ciphertext, job_url=f"{JOB_URL}{ciphertext}")
