"""The ``off_platform`` check: no offer to pay, be paid or talk outside the marketplace (Upwork
forbids it before a contract, and it costs the agency its account)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from rules.content_text import Context, Part, quote

CHECK = "off_platform"

_PAY = (
    r"paypal|payoneer|wise|transferwise|revolut|zelle|venmo|cash\s?app|western union|"
    r"bank transfer|wire transfer|bank account|iban|swift|crypto|bitcoin|btc|usdt|ethereum|eth"
)
_UPWORK = r"(?:upwork|the platform|this platform|the site)"
# Each pattern names a person (me, us, you, my, our) or the platform: "PayPal" or "crypto"
# alone is often the job's subject (a checkout to build), not an offer.
_PATTERNS = [
    re.compile(
        rf"\b(?:pay|paid|payment|payments|send|transfer|invoice)\s{{1,3}}(?:me|us|you)\b"
        rf"[^.!?\n]{{0,40}}?\b(?:{_PAY})\b",
        re.I,
    ),
    re.compile(
        rf"\b(?:my|our)\s{{1,3}}(?:{_PAY})\s{{0,3}}(?:account|address|wallet|details|email|id|is|:)",
        re.I,
    ),
    re.compile(
        rf"\b(?:via|through|by|using|over|with)\s{{1,3}}(?:{_PAY})\s{{1,3}}(?:instead|directly)\b",
        re.I,
    ),
    re.compile(
        rf"\b(?:outside|off|instead of|without|not through|bypass|bypassing|around)\s{{1,3}}"
        rf"(?:of\s{{1,3}})?{_UPWORK}",
        re.I,
    ),
    re.compile(r"\boff[- ]platform\b", re.I),
    re.compile(
        r"\b(?:fuera de|außerhalb von|ausserhalb von|außerhalb|вне|mimo|خارج)\s{1,3}upwork", re.I
    ),
    re.compile(r"\bdirect\s{1,3}(?:contract|deal|payment|hire|agreement|arrangement)\b", re.I),
    re.compile(
        r"\b(?:pay|paid|work|deal|talk|contract)\s{1,3}(?:me\s{1,3}|us\s{1,3})?directly\b", re.I
    ),
    re.compile(
        r"\b(?:avoid|save|skip|bypass|cut|dodge|no)\s{1,3}(?:on\s{1,3})?(?:the\s{1,3})?"
        r"(?:upwork(?:'s)?\s{1,3})?(?:service\s{1,3})?(?:fees?|commission)\b",
        re.I,
    ),
    re.compile(
        r"\b(?:call|email|e-mail|mail|text|phone|ring|whatsapp|telegram|skype)\s{1,3}(?:me|us)"
        r"\s{1,3}(?:at|on|via|directly)\b",
        re.I,
    ),
    re.compile(r"\b(?:contact|reach|message|write to)\s{1,3}(?:me|us)\s{1,3}directly\b", re.I),
    re.compile(
        r"\b(?:my|our)\s{1,3}(?:personal\s{1,3}|direct\s{1,3}|private\s{1,3})?"
        r"(?:email|e-mail|phone|number|cell|mobile)(?:\s{1,3}(?:address|number))?\s{0,3}(?:is|:)",
        re.I,
    ),
]


def check(parts: list[Part], context: Context) -> Iterator[str]:
    """A reason for each offer to deal outside the platform found in the drafted parts."""
    del context  # the wording alone decides; kept for the common check signature
    for part in parts:
        found: list[str] = []
        for pattern in _PATTERNS:
            for match in pattern.finditer(part.text):
                if not any(match.group() in earlier for earlier in found):
                    found.append(match.group())
        for snippet in found:
            yield f"{part.where} offers to deal outside Upwork: {quote(snippet)}."
