"""Embeddings for proof that fits: vectors of jobs and portfolio items from any OpenAI-compatible
server, so each job's proof is ranked by meaning (``prompts.proof.similar_portfolio``).

A drafting run asks the server once: every planned job's text, plus the portfolio items not yet
in the disk cache, in one batched request. Portfolio items are embedded once per text and model
and kept under ``$BIDFLOW_HOME/embeddings``; job texts are not kept (each job is drafted about
once, so such a cache would only grow). Any failure means word overlap for that run, logged once.
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Sequence

import openai

from bidflow.config import PortfolioItem
from bidflow.models import JobBase
from bidflow.settings import Settings
from connectors.embedding_cache import VectorCache
from connectors.llm_retry import Backoff, retry_after_s, retryable, server_url
from connectors.llm_types import LLMError
from prompts.proof import item_text, job_text, similar_portfolio

log = logging.getLogger("bidflow.embeddings")

# Inputs per request: OpenAI takes up to 2,048 (and 300k tokens); 256 jobs of at most 2,000
# characters stay far under both, and a run rarely plans that many.
MAX_INPUTS = 256

Vector = list[float]


class EmbeddingError(LLMError):
    """The embeddings server failed or did not answer with one vector per text; names it."""


class Embedder:
    """Embeds texts through ``openai.OpenAI`` (``AzureOpenAI`` when an Azure endpoint is set,
    the model naming the deployment), with the drafter's tries and backoff."""

    def __init__(self, settings: Settings, *, rng: random.Random | None = None) -> None:
        self.model = settings.embedding_model.strip()
        self.server = server_url(settings)
        self.backoff = Backoff.configured(settings)
        self._rng = rng or random.Random()
        key = settings.openai_api_key or "not-needed"  # local servers ignore it; the client not
        # The client's own retries are off: ours follow the configured attempts and cap.
        self._client: openai.OpenAI = (
            openai.AzureOpenAI(
                azure_endpoint=settings.azure_openai_endpoint,
                api_version=settings.azure_openai_api_version,
                api_key=key,
                timeout=settings.llm_timeout_s,
                max_retries=0,
            )
            if settings.azure_openai_endpoint is not None
            else openai.OpenAI(
                api_key=key,
                base_url=settings.openai_base_url,
                timeout=settings.llm_timeout_s,
                max_retries=0,
            )
        )

    def close(self) -> None:
        self._client.close()

    def embed(self, texts: Sequence[str]) -> list[Vector]:
        """One vector per text, in order: one request per ``MAX_INPUTS`` texts. Raises
        EmbeddingError when the server fails every try or answers with something else."""
        vectors: list[Vector] = []
        for start in range(0, len(texts), MAX_INPUTS):
            vectors.extend(self._embed_batch(texts[start : start + MAX_INPUTS]))
        return vectors

    def _embed_batch(self, texts: Sequence[str]) -> list[Vector]:
        tries = 0
        while True:
            tries += 1
            try:
                reply = self._client.embeddings.create(
                    model=self.model, input=list(texts), encoding_format="float"
                )
            except ValueError as exc:  # the client decodes JSON replies without checking them
                raise EmbeddingError(f"{self.server}: the reply is not valid JSON ({exc})") from exc
            except openai.OpenAIError as exc:
                if not retryable(exc) or tries >= self.backoff.attempts:
                    raise EmbeddingError(f"{self.server}: {type(exc).__name__}: {exc}") from exc
                time.sleep(self.backoff.delay(tries, retry_after_s(exc), self._rng))
                continue
            return self._vectors(reply, len(texts))

    def _vectors(self, reply: object, count: int) -> list[Vector]:
        """The reply's vectors in input order, checked: one per text, one length, finite."""
        try:
            data = sorted(getattr(reply, "data", None) or [], key=lambda item: int(item.index))
            vectors = [[float(x) for x in item.embedding] for item in data]
        except (AttributeError, TypeError, ValueError) as exc:
            raise EmbeddingError(f"{self.server}: the reply is not a list of embeddings") from exc
        lengths = {len(vector) for vector in vectors}
        if len(vectors) != count or len(lengths) != 1 or 0 in lengths:
            raise EmbeddingError(
                f"{self.server}: asked for {count} vectors of one length, got {len(vectors)}"
                f" of lengths {sorted(lengths)}"
            )
        if not all(math.isfinite(x) for vector in vectors for x in vector):
            raise EmbeddingError(f"{self.server}: the reply has vectors that are not finite")
        return vectors


def ranked_proofs(
    settings: Settings, wanted: Sequence[tuple[JobBase, Sequence[PortfolioItem]]]
) -> list[list[PortfolioItem]] | None:
    """For each (job, portfolio), the items to show as proof, ranked by embeddings in one
    request. None when embeddings are not configured or failed: callers then use word overlap."""
    if not settings.embeddings_configured or not wanted:
        return None
    embedder = Embedder(settings)
    cache = VectorCache(settings.home / "embeddings", embedder.model)
    items = list(dict.fromkeys(item_text(item) for _, portfolio in wanted for item in portfolio))
    vectors = {text: vector for text in items if (vector := cache.get(text)) is not None}
    # Jobs and uncached items in one request; a text two jobs share is sent once, and a job
    # whose bidder has no portfolio is not sent at all.
    jobs = [job_text(job) for job, portfolio in wanted if portfolio]
    ask = [text for text in dict.fromkeys(jobs + items) if text not in vectors]
    try:
        fresh = dict(zip(ask, embedder.embed(ask), strict=True))
        if len({len(vector) for vector in [*vectors.values(), *fresh.values()]}) > 1:
            raise EmbeddingError(
                f"cached vectors differ in length from {embedder.server}'s; delete {cache.folder}"
            )
    except EmbeddingError as exc:
        log.warning("proof by word overlap for this run: embeddings failed: %s", exc)
        return None
    finally:
        embedder.close()
    try:
        for text in items:
            if text in fresh:
                cache.put(text, fresh[text])
    except OSError as exc:  # the vectors are in hand; only the next run pays for this
        log.warning("portfolio vectors not cached in %s: %s", cache.folder, exc)
    vectors.update(fresh)
    return [
        similar_portfolio(
            job, vectors[job_text(job)], portfolio, [vectors[item_text(i)] for i in portfolio]
        )
        if portfolio
        else []
        for job, portfolio in wanted
    ]
