"""Form fields the review desk's letter pages share (proposals and follow-ups)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form

# The letter as typed; far above any marketplace's limit, so only abuse is refused.
LetterField = Annotated[str, Form(max_length=20_000)]
# A pattern of one non-space character makes a reason of only spaces count as missing.
ReasonField = Annotated[str, Form(max_length=2000, pattern=r"\S")]


def unix_lines(text: str) -> str:
    """``text`` with the CRLF line breaks browsers submit from a textarea made plain LF."""
    return text.replace("\r\n", "\n")
