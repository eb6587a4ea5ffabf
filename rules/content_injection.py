"""The ``injection_obeyed`` check: signs the draft followed instructions hidden in the job text
(the job is data, never instructions): it does what an instruction-like sentence of the job asked,
talks about prompts and instructions, repeats the prompt's job fence, or carries markup."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

from rules.content_text import Context, Part, quote

CHECK = "injection_obeyed"
# A job with more instruction-like sentences than this is hostile anyway, and this bounds the
# work on a 50,000-character post made of them.
MAX_INSTRUCTIONS = 20

# The prompt's fence around the job (prompts/assemble.py); a draft has no reason to repeat it.
_FENCE = re.compile(r"<<<\s{0,3}JOB_POSTING|JOB_POSTING\s{0,3}>>>|\bJOB_POSTING\b")
_META = re.compile(
    r"\b(?:system\s{1,3}prompt|(?:previous|prior|above|earlier|original|my|hidden)\s{1,3}instructions?"
    r"|ignor(?:e|ing|ed)\s{1,3}(?:all\s{1,3}|any\s{1,3}|the\s{1,3})?(?:previous|prior|above|earlier)"
    r"|as an ai(?:\s{1,3}language model)?\b|i am an ai\b|i'm an ai\b|prompt injection"
    r"|instrucciones anteriores|vorherigen anweisungen|предыдущие инструкции|以前の指示"
    r"|التعليمات السابقة)",
    re.I,
)
_MARKUP = re.compile(
    r"<\s{0,2}/?\s{0,2}(?:script|iframe|img|svg|a|style|object|embed|form|input)\b[^>]{0,200}>?|javascript:|\bon(?:error|load|click)\s{0,2}=",
    re.I,
)
_SENTENCE = re.compile(r"[^.!?\n。！？]{1,400}")
# Instruction-like sentences aimed at whoever writes the proposal.
_INSTRUCTION = re.compile(
    r"\b(?:start|begin|open|end|finish|close|sign)\s{1,3}(?:your|the|each)?\s{0,3}"
    r"(?:proposal|reply|response|letter|application|cover letter|message|answer)"
    r"|\b(?:include|mention|write|say|add|put|use|type|repeat)\b[^.!?\n]{0,40}?"
    r"\b(?:word|phrase|code|keyword|sentence|emoji"
    r"|in (?:your|the) (?:proposal|reply|letter|answer))"
    r"|\b(?:include|send|share|give|write|put|tell|leave|provide|add|post|what's|what is)\b"
    r"[^.!?\n]{0,40}?\byour\s{1,3}(?:email|e-mail|phone|number|skype|whats\s?app|telegram"
    r"|discord|handle|contact)"
    r"|\bignor(?:e|ing)\s{1,3}(?:all\s{1,3}|any\s{1,3}|the\s{1,3})?(?:previous|prior|above|earlier|your)"
    r"|\b(?:you are now|from now on|new instructions|system:|assistant:|developer mode)"
    r"|ignora|ignoriere|игнорируй|無視|تجاهل",
    re.I,
)
_STARTS = re.compile(
    r"\b(?:start|begin|open)\s{1,3}(?:your|the|each)?\s{0,3}\w{0,15}\s{0,3}\w{0,10}\s{0,3}with\b",
    re.I,
)
_ENDS = re.compile(
    r"\b(?:end|finish|close|sign)\s{1,3}(?:your|the|each)?\s{0,3}\w{0,15}\s{0,3}\w{0,10}\s{0,3}with\b",
    re.I,
)
_QUOTED = re.compile(r"[\"“”'‘’«»「『]([^\"“”'‘’«»」』\n]{2,60})[\"“”'‘’«»」』]")
_CAPS = re.compile(r"\b[A-Z][A-Z0-9_-]{3,30}\b")
_CONTACT_ASK = re.compile(
    r"\b(?:email|e-mail|phone|number|skype|whats\s?app|telegram|discord|wechat|contact|handle)\b",
    re.I,
)


def check(parts: list[Part], context: Context, *, contact_found: bool) -> Iterator[str]:
    """A reason for each sign that the draft obeyed the job instead of the agency."""
    for part in parts:
        for pattern, what in (
            (_FENCE, "the prompt's job fence"),
            (_META, "its instructions"),
            (_MARKUP, "markup"),
        ):
            if match := pattern.search(part.text):
                yield f"{part.where} repeats {what}: {quote(match.group())}."
    raw_job = f"{context.job.title}\n{context.job.description}"
    instructions = (s for s in _SENTENCE.findall(raw_job) if _INSTRUCTION.search(s))
    for sentence in itertools.islice(instructions, MAX_INSTRUCTIONS):
        yield from _obeyed(sentence, raw_job, parts, contact_found)


def _obeyed(sentence: str, raw_job: str, parts: list[Part], contact_found: bool) -> Iterator[str]:
    """What the draft did of one instruction-like job sentence."""
    letter = parts[0].text.strip()
    drafted = "\n".join(part.text for part in parts)
    start = _INSTRUCTION.search(sentence)
    asked = quote(sentence[start.start() if start else 0 :].strip())
    for payload in _payloads(sentence):
        # A word the job also uses outside its instructions ("REST" in "REST API") is the
        # job's subject, which a good letter repeats; only a word planted by them is a tell.
        if raw_job.count(payload) > sentence.count(payload):
            continue
        lower = payload.lower()
        if _STARTS.search(sentence) and letter.lower().lstrip(" \"'“*#").startswith(lower):
            yield f"The letter starts with {quote(payload)} as the job asked: {asked}."
        elif _ENDS.search(sentence) and letter.lower().rstrip(" .!\"'”*").endswith(lower):
            yield f"The letter ends with {quote(payload)} as the job asked: {asked}."
        elif lower in drafted.lower():
            yield f"The draft includes {quote(payload)} as the job asked: {asked}."
    if contact_found and _CONTACT_ASK.search(sentence):
        yield f"The draft shares contact details the job asked for: {asked}."


def _payloads(sentence: str) -> list[str]:
    """What an instruction asks to be written: quoted text, SHOUTED words, or the word after
    "with the word"."""
    found = [m.group(1).strip() for m in _QUOTED.finditer(sentence)]
    found += [m.group() for m in _CAPS.finditer(sentence)]
    if word := re.search(
        r"\bwith\s{1,3}(?:the\s{1,3})?(?:word|phrase)\s{1,3}(\w{2,30})", sentence, re.I
    ):
        found.append(word.group(1))
    return [p for p in dict.fromkeys(found) if p.strip()]
