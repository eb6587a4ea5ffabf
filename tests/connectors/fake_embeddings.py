"""The fake OpenAI server's embedding model: a hashed bag of words over a small synonym table.

Deterministic and simple on purpose, yet like a real model in the one way the tests need: texts
that say the same thing in other words ("online shop", "e-commerce store") land close, because
each synonym counts as its concept. Replies have OpenAI's shape, floats or base64 as asked.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
import struct
from collections.abc import Sequence
from typing import Any

DIMENSIONS = 256

# Phrases first (so "online shop" is one concept, not "online" plus "shop"), then single words.
_PHRASES = {
    "online shop": "ecommerce",
    "online store": "ecommerce",
    "web shop": "ecommerce",
    "machine learning": "ml",
}
_SYNONYMS = {
    "e-commerce": "ecommerce",
    "ecommerce": "ecommerce",
    "shop": "ecommerce",
    "store": "ecommerce",
    "storefront": "ecommerce",
    "webshop": "ecommerce",
    "checkout": "ecommerce",
    "cart": "ecommerce",
    "products": "product",
    "product": "product",
    "sell": "sales",
    "selling": "sales",
    "sales": "sales",
    "dashboard": "analytics",
    "analytics": "analytics",
    "reports": "analytics",
    "reporting": "analytics",
}
_STOPWORDS = frozenset(
    "a an and are as at be by for from has have i in is it of on or our that the this to we with"
    " you your will need needs who can new".split()
)
_WORD = re.compile(r"[a-z0-9][a-z0-9+#.-]*[a-z0-9+#]|[a-z0-9]")


def concepts(text: str) -> list[str]:
    """The text's words, each synonym replaced by its concept; common words dropped."""
    text = text.casefold()
    for phrase, concept in _PHRASES.items():
        text = text.replace(phrase, f" {concept} ")
    words = (w for w in _WORD.findall(text) if w not in _STOPWORDS)
    return [_SYNONYMS.get(word, word) for word in words]


def fake_vector(text: str) -> list[float]:
    """A unit vector: each concept adds ±1 at a dimension picked by its hash."""
    vector = [0.0] * DIMENSIONS
    for concept in concepts(text):
        digest = hashlib.sha256(concept.encode()).digest()
        index = int.from_bytes(digest[:4], "big") % DIMENSIONS
        vector[index] += 1.0 if digest[4] % 2 else -1.0
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [x / norm for x in vector]


def embeddings_reply(body: dict[str, Any], model: str) -> dict[str, Any]:
    """The reply to an embeddings request ``body`` (``input``: one string or a list)."""
    texts: Sequence[str] = [body["input"]] if isinstance(body["input"], str) else body["input"]
    as_base64 = body.get("encoding_format") == "base64"
    data = []
    for index, text in enumerate(texts):
        vector = fake_vector(text)
        embedding: Any = vector
        if as_base64:  # little-endian float32, as OpenAI sends it
            embedding = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
        data.append({"object": "embedding", "index": index, "embedding": embedding})
    tokens = sum(len(text.split()) for text in texts)
    return {
        "object": "list",
        "data": data,
        "model": model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }
