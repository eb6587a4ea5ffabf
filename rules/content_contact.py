"""The ``contact_details`` check: no way to reach the bidder off the platform before a contract
(Upwork's rule): email addresses, phone numbers, chat handles and apps, links elsewhere."""

from __future__ import annotations

import re
from collections.abc import Iterator

from rules.content_text import Context, Part, host_allowed, host_of, mentions, quote

CHECK = "contact_details"

# Matches start only where a word starts, so a long run of word characters is tried once.
_EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]{1,64}@[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){1,4}", re.I)
# "ana at example dot com", "ana [at] example [dot] com", "ana(at)example(dot)io".
_OBFUSCATED_EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]{1,64}\s{0,3}[\[({]?\s{0,2}\bat\b\s{0,2}[\])}]?\s{0,3}[\w-]{1,63}"
    r"\s{0,3}[\[({]?\s{0,2}\bdot\b\s{0,2}[\])}]?\s{0,3}[a-z]{2,6}\b",
    re.I,
)
# Digits with the separators phone numbers use; which runs are phones is decided in _phones.
_DIGIT_RUN = re.compile(r"(?<![\w.,$€£/])\+?\(?\d[\d \t().-]{5,24}\d(?![\w,/%])")
_YEAR_RANGE = re.compile(r"^(?:19|20)\d\d\s{0,3}[-–]\s{0,3}(?:19|20)\d\d$")
_DATE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")
_DOTTED = re.compile(r"^\d{1,3}(?:\.\d{1,3}){2,3}$")  # IP addresses, version numbers
_UNIT_AFTER = re.compile(
    r"^\s{0,2}(?:usd|eur|gbp|dollars?|euros?|users|rows|records|requests|visits|visitors|"
    r"downloads|items|products|orders|lines|words|hours|ms)\b",
    re.I,
)

_APPS = (
    r"skype|whats\s?app|telegram|discord|signal|wechat|viber|kakao\s?talk|"
    r"ватсап|вотсап|телеграм|телеграмм|скайп|واتساب|واتس\s?اب|تيليجرام|تلغرام"
)
# An app on its own is often the job's subject (a Telegram bot); these shapes offer contact.
_APP_CONTACT = [
    re.compile(
        r"\b(?:add|message|msg|contact|reach|ping|text|call|dm|pm|find|chat with|talk to|"
        r"write to|hit)\s{1,3}(?:me|us)\b[^.!?\n]{0,40}?\b(?:on|via|through|over|at|in)\s{1,3}"
        rf"(?:{_APPS})\b",
        re.I,
    ),
    re.compile(
        rf"\b(?:my|our|mi|mein|meine|mon|ma|meu|мой|мои)\s{{1,3}}(?:{_APPS})"
        r"\s{0,3}(?:[:：]|\b(?:id|handle|username|user name|number|account|contact|is|es|ist)\b)",
        re.I,
    ),
    re.compile(
        rf"(?<!\w)(?:{_APPS})\s{{0,3}}(?:id|handle|username)?\s{{0,2}}[:：]\s{{0,3}}[@+\w]", re.I
    ),
    re.compile(r"\b(?:dm|pm|inbox)\s{1,3}me\b", re.I),
    # LINE (the Japanese chat app) only in capitals with its ID: "line" is an ordinary word.
    re.compile(r"\bLINE\s{0,2}(?:ID|ＩＤ)"),
]
# Apps whose bare name in a letter is an offer to talk there, unless the job itself names it.
_UNAMBIGUOUS_APPS = re.compile(r"\b(?:skype|whats\s?app|wechat|viber|telegram|discord)\b", re.I)
_HANDLE = re.compile(r"(?<![\w.@])@[a-z0-9_](?:[a-z0-9_.]{1,30}[a-z0-9_])?\b", re.I)
_CONTACT_SCHEME = re.compile(
    r"\b(?:mailto|tel|skype|whatsapp|tg|callto|sms):[^\s<>\"']{1,80}", re.I
)
_URL = re.compile(r"\bhttps?://[^\s<>\"'()\[\]{}]{1,300}", re.I)
# Bare domains: a common top-level domain, preceded by www. or followed by a path, so
# "Node.js" or "ASP.NET" are not links while "ana-dev.com" and "www.ana.net" are.
_BARE_DOMAIN = re.compile(
    r"(?<![\w@/.-])(?:www\.)?[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){0,3}"
    r"\.(?:com|io|me|co|org|dev|app|net|site|online|xyz|info|biz|ly|gg|link|page|tech|ai|de|es|ru)"
    r"(?![\w-])(?:/[^\s<>\"']{0,200})?",
    re.I,
)


def check(parts: list[Part], context: Context) -> Iterator[str]:
    """A reason for each piece of contact detail found in the drafted parts."""
    for part in parts:
        for finding in _findings(part.text, context):
            yield f"{part.where} shares {finding}; no contact details before a contract."


def _findings(text: str, context: Context) -> Iterator[str]:
    emails = [m.group() for m in _EMAIL.finditer(text)]
    for email in emails:
        yield f"an email address {quote(email)}"
    for match in _OBFUSCATED_EMAIL.finditer(text):
        yield f"a disguised email address {quote(match.group())}"
    for number in _phones(text):
        yield f"a phone number {quote(number)}"
    for pattern in _APP_CONTACT:
        for match in pattern.finditer(text):
            yield f"a chat contact {quote(match.group())}"
    for match in _UNAMBIGUOUS_APPS.finditer(text):
        if not mentions(context.job_text, match.group()):
            yield f"a chat app {quote(match.group())}"
    for match in _HANDLE.finditer(text):
        handle = match.group().lower()
        # "@Input" in an Angular letter is code the job or profile talks about, not a handle.
        if handle not in context.job_text and handle not in context.profile_text:
            yield f"a handle {quote(match.group())}"
    for match in _CONTACT_SCHEME.finditer(text):
        yield f"a contact link {quote(match.group())}"
    yield from _foreign_links(text, context, emails)


def _phones(text: str) -> Iterator[str]:
    for match in _DIGIT_RUN.finditer(text):
        run = match.group().strip()
        digits = sum(char.isdigit() for char in run)
        if not 7 <= digits <= 15:
            continue
        if not run.startswith("+") and (
            _YEAR_RANGE.match(run)
            or _DATE.match(run)
            or _DOTTED.match(run)
            or _UNIT_AFTER.match(text[match.end() : match.end() + 12])
        ):
            continue
        yield run


def _foreign_links(text: str, context: Context, emails: list[str]) -> Iterator[str]:
    seen: set[str] = set()
    for pattern in (_URL, _BARE_DOMAIN):
        for match in pattern.finditer(text):
            link = match.group().rstrip(".,;:!?")
            host = host_of(link)
            if host is None or host in seen or any(host in email for email in emails):
                continue
            seen.add(host)
            if host_allowed(host, context.allowed_hosts) or mentions(context.job_text, host):
                continue
            yield f"a link outside the bidder's portfolio {quote(link)}"
