"""Reading the free text that feeds put budgets, dates and descriptions in."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

# A scale letter counts only when no word goes on after it: "$5K+" is 5,000, "$500 max" is 500.
_NUMBER = r"(\d[\d,]*(?:\.\d+)?)(?:\s*([kKmM])\b)?"
_MONEY = re.compile(r"\$\s*" + _NUMBER)
_BARE_NUMBER = re.compile(r"^\s*" + _NUMBER + r"\s*\+?\s*$")
# "$25-35/hr": a second amount right after a dash may leave out its "$".
_RANGE = re.compile(r"\$\s*" + _NUMBER + r"\s*(?:-|\u2013|to)\s*\$?\s*" + _NUMBER)
_SCALE = {"k": 1_000.0, "m": 1_000_000.0}
_RELATIVE = re.compile(
    r"\b(?:(an?|\d+)\s*(second|sec|minute|min|hour|hr|day|week|month)s?\s+ago"
    r"|(just now|yesterday|last week))\b",
    re.IGNORECASE,
)
_NAMED_AGO = {
    "just now": timedelta(),
    "yesterday": timedelta(days=1),
    "last week": timedelta(days=7),
}
_UNIT = {
    "second": 1,
    "sec": 1,
    "minute": 60,
    "min": 60,
    "hour": 3600,
    "hr": 3600,
    "day": 86400,
    "week": 7 * 86400,
    "month": 30 * 86400,
}
_DATE_FORMATS = ("%B %d, %Y %H:%M %Z", "%B %d, %Y %H:%M", "%b %d, %Y", "%B %d, %Y", "%Y-%m-%d")
# Block elements: a paragraph stands apart by a blank line, the others start a new line.
_PARAGRAPH_TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table"}
_LINE_TAGS = {"div", "li", "ul", "ol", "tr", "dl", "dt", "dd", "section", "article", "hr"}
_SKIPPED_TAGS = {"script", "style", "template"}
_WHITESPACE = re.compile(r"\s+")
_DECLARATION = re.compile(r"<!(?!--)")


def _amount(number: str, scale: str | None) -> float:
    return float(number.replace(",", "")) * _SCALE.get((scale or "").lower(), 1.0)


def parse_money(text: str | float | int | None) -> float | None:
    """The first amount in free text: ``$1.5K`` → 1500, ``Est. budget: $500.00`` → 500,
    ``Less than $500`` → 500, ``$10K+`` → 10000; None when there is none (``N/A``)."""
    if text is None or isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        return float(text)
    match = _MONEY.search(text) or _BARE_NUMBER.match(text)
    return _amount(match[1], match[2]) if match else None


def parse_money_range(text: str | None) -> tuple[float | None, float | None]:
    """Low and high of ``$25.00 - $35.00`` / ``Hourly: $25-$35`` / ``$40/hr`` (low = high)."""
    if not text:
        return None, None
    if span := _RANGE.search(text):
        return _amount(span[1], span[2]), _amount(span[3], span[4])
    amounts = [_amount(m[1], m[2]) for m in _MONEY.finditer(text)]
    if not amounts:
        single = parse_money(text)
        return single, single
    return amounts[0], amounts[1] if len(amounts) > 1 else amounts[0]


def parse_relative_time(text: str, *, anchor: datetime) -> datetime | None:
    """``Posted 12 minutes ago`` / ``an hour ago`` / ``yesterday`` / ``last week`` as a time
    before ``anchor``."""
    match = _RELATIVE.search(text)
    if not match:
        return None
    if match[3]:
        return anchor - _NAMED_AGO[match[3].lower()]
    count = 1 if match[1].lower() in {"a", "an"} else int(match[1])
    return anchor - timedelta(seconds=count * _UNIT[match[2].lower()])


def parse_datetime(text: str | None, *, anchor: datetime | None = None) -> datetime | None:
    """An aware UTC datetime from ISO 8601, ``November 20, 2026 14:03 UTC``, ``Oct 11, 2024``
    or a relative phrase (anchored at ``anchor``); None when the text says no time."""
    if not text:
        return None
    text = text.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
        for fmt in _DATE_FORMATS:
            try:
                parsed = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if parsed is None:
        return parse_relative_time(text, anchor=anchor) if anchor else None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


class _TextExtractor(HTMLParser):
    """Lays text out as a browser would: source whitespace folds to one space (except in
    ``<pre>``), ``<br>`` and block elements start new lines, scripts and styles are dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.saw_tags = False
        self.written: list[str] = []  # the text as written, for markup that has no tags at all
        self.laid_out: list[str] = []
        self._skipping = 0
        self._preformatted = 0
        self._newlines = 2  # line breaks at the end of ``laid_out``; the start counts as a break

    def _break(self, count: int) -> None:
        if self._newlines < count:
            self.laid_out.append("\n" * (count - self._newlines))
            self._newlines = count

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.saw_tags = True
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif tag == "br":
            self.laid_out.append("\n")
            self._newlines += 1
        elif tag in _PARAGRAPH_TAGS or tag in _LINE_TAGS:
            self._break(2 if tag in _PARAGRAPH_TAGS else 1)
        if tag == "li" and not self._skipping:
            self.laid_out.append("- ")
            self._newlines = 0
        if tag == "pre":
            self._preformatted += 1

    def handle_endtag(self, tag: str) -> None:
        self.saw_tags = True
        if tag in _SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _PARAGRAPH_TAGS or tag in _LINE_TAGS:
            self._break(2 if tag in _PARAGRAPH_TAGS else 1)
        if tag == "pre":
            self._preformatted = max(0, self._preformatted - 1)

    def handle_data(self, data: str) -> None:
        self.written.append(data)
        if self._skipping:
            return
        text = data if self._preformatted else _WHITESPACE.sub(" ", data)
        if not text.strip(" "):
            if text and not self._newlines:
                self.laid_out.append(" ")
            return
        self.laid_out.append(text)
        end = text.rstrip(" \t")
        trailing = len(end) - len(end.rstrip("\n"))
        self._newlines = self._newlines + trailing if not end.strip("\n") else trailing


def html_to_text(markup: str) -> str:
    """Readable plain text from an HTML fragment: line breaks kept, tags and scripts dropped.

    Markup without a single tag is text that was only escaped: its own line breaks are kept.
    """
    if "<" not in markup and "&" not in markup:
        return tidy_text(markup)
    try:
        extractor = _extract(markup)
    except AssertionError:
        # CPython's parser gives up on some malformed declarations ("<![0"); show them as text.
        extractor = _extract(_DECLARATION.sub("&lt;!", markup))
    parts = extractor.laid_out if extractor.saw_tags else extractor.written
    return tidy_text("".join(parts))  # entities already decoded by the parser


def _extract(markup: str) -> _TextExtractor:
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    return extractor


# Every line separator str.splitlines knows besides "\n"; rare, so searched for before replacing.
_OTHER_BREAK = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_BLANK_LINES = re.compile(r"\n{3,}")


# Whitespace that tidy text never holds: anything but a space or a line break.
_ODD_SPACE = re.compile(r"[^\S \n]")


def tidy_text(text: str) -> str:
    """Plain text with runs of spaces folded, lines trimmed and at most one blank line in a row.

    str.split per line rather than regexes: this is on every job's path, and Python's regex
    engine pays per match, i.e. per word. Text that is tidy already (most feeds' is) is found
    so by substring searches and returned as it is.
    """
    if _is_tidy(text):
        return text
    if _OTHER_BREAK.search(text):
        text = _OTHER_BREAK.sub("\n", text.replace("\r\n", "\n"))
    text = "\n".join([" ".join(line.split()) for line in text.split("\n")])
    if "\n\n\n" in text:
        text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


def _is_tidy(text: str) -> bool:
    return not (
        "  " in text
        or " \n" in text
        or "\n " in text
        or "\n\n\n" in text
        or text[:1].isspace()
        or text[-1:].isspace()
        or _ODD_SPACE.search(text)
    )


def split_list(value: object) -> list[str]:
    """Skills as a clean list, from a list or a comma-separated string."""
    if value is None:
        return []
    items = value if isinstance(value, list) else str(value).split(",")
    return [text for item in items if (text := str(item).strip())]
