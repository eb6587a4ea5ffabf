"""The free-text readers feeds rely on: money, relative and absolute times, HTML to text."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from connectors.feeds.parsing import (
    html_to_text,
    parse_datetime,
    parse_money,
    parse_money_range,
    parse_relative_time,
    split_list,
    tidy_text,
)

ANCHOR = datetime(2026, 11, 20, 14, 3, 27, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("$1.5K", 1500.0),
        ("$1,500", 1500.0),
        ("Est. budget: $500.00", 500.0),
        ("Less than $500", 500.0),
        ("$10K+", 10_000.0),
        ("$1.2M+", 1_200_000.0),
        ("$0", 0.0),
        ("$ 750", 750.0),
        ("1500", 1500.0),
        ("1,500+", 1500.0),
        ("$5k/month", 5000.0),
        # A word after the amount is not a scale: "m" of "max" is not millions.
        ("$500 max", 500.0),
        ("$1,000 monthly", 1000.0),
        ("Budget: $800 Km from the office", 800.0),
        ("N/A", None),
        ("negotiable", None),
        ("", None),
        (None, None),
        (750, 750.0),
        (12.5, 12.5),
        (True, None),
    ],
)
def test_parse_money_reads_the_first_amount(text: str | float | None, amount: float | None) -> None:
    assert parse_money(text) == amount


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("$25.00 - $35.00", 25.0, 35.0),
        ("Hourly: $25.00 - $35.00", 25.0, 35.0),
        ("$25.00-$35.00", 25.0, 35.0),
        ("$25-35/hr", 25.0, 35.0),
        ("$40/hr", 40.0, 40.0),
        ("40", 40.0, 40.0),
        ("$1K - $2K", 1000.0, 2000.0),
        ("N/A", None, None),
        ("", None, None),
        (None, None, None),
    ],
)
def test_parse_money_range_gives_low_and_high(
    text: str | None, low: float | None, high: float | None
) -> None:
    assert parse_money_range(text) == (low, high)


@pytest.mark.parametrize(
    ("text", "before"),
    [
        ("Posted 12 minutes ago", timedelta(minutes=12)),
        ("12 mins ago", timedelta(minutes=12)),
        ("an hour ago", timedelta(hours=1)),
        ("Posted 1 hour ago", timedelta(hours=1)),
        ("3 hrs ago", timedelta(hours=3)),
        ("2 days ago", timedelta(days=2)),
        ("a week ago", timedelta(days=7)),
        ("yesterday", timedelta(days=1)),
        ("Posted yesterday", timedelta(days=1)),
        ("last week", timedelta(days=7)),
        ("just now", timedelta()),
        ("30 seconds ago", timedelta(seconds=30)),
    ],
)
def test_parse_relative_time_counts_back_from_the_anchor(text: str, before: timedelta) -> None:
    assert parse_relative_time(text, anchor=ANCHOR) == ANCHOR - before


@pytest.mark.parametrize("text", ["soon", "Posted recently", "12 minutes", "in 2 days", ""])
def test_parse_relative_time_is_none_for_text_without_a_time(text: str) -> None:
    assert parse_relative_time(text, anchor=ANCHOR) is None


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2026-11-20T14:03:00Z", datetime(2026, 11, 20, 14, 3, tzinfo=UTC)),
        ("2026-11-20T16:03:00+02:00", datetime(2026, 11, 20, 14, 3, tzinfo=UTC)),
        ("2026-11-20 14:03:00", datetime(2026, 11, 20, 14, 3, tzinfo=UTC)),
        ("2026-11-20", datetime(2026, 11, 20, tzinfo=UTC)),
        ("November 20, 2026 14:03 UTC", datetime(2026, 11, 20, 14, 3, tzinfo=UTC)),
        ("  November 20, 2026 14:03  ", datetime(2026, 11, 20, 14, 3, tzinfo=UTC)),
        ("Oct 11, 2024", datetime(2024, 10, 11, tzinfo=UTC)),
        ("October 11, 2024", datetime(2024, 10, 11, tzinfo=UTC)),
        ("Posted 12 minutes ago", ANCHOR - timedelta(minutes=12)),
        ("yesterday", ANCHOR - timedelta(days=1)),
    ],
)
def test_parse_datetime_gives_aware_utc(text: str, moment: datetime) -> None:
    parsed = parse_datetime(text, anchor=ANCHOR)
    assert parsed == moment
    assert parsed is not None and parsed.utcoffset() == timedelta(0)


@pytest.mark.parametrize("text", [None, "", "not a date", "2026-13-45", "Posted 12 minutes ago"])
def test_parse_datetime_without_anchor_is_none_for_non_dates(text: str | None) -> None:
    assert parse_datetime(text) is None


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("line one<br>line two<br/>line three", "line one\nline two\nline three"),
        (
            "<p>First paragraph.</p><p>Second paragraph.</p>",
            "First paragraph.\n\nSecond paragraph.",
        ),
        ("Needs:<ul><li>Django</li><li>React</li></ul>Thanks", "Needs:\n- Django\n- React\nThanks"),
        ("<ol>\n  <li>one</li>\n  <li>two</li>\n</ol>", "- one\n- two"),
        ("R&amp;D team &mdash; 5&nbsp;people &#8364;", "R&D team \u2014 5 people \u20ac"),
        ("before<script>alert('x')</script>after", "beforeafter"),
        ("a<style>p { color: red }</style>b", "ab"),
        ("raw tags like &lt;b&gt;this&lt;/b&gt;", "raw tags like <b>this</b>"),
        ("<b>Budget</b>: $500", "Budget: $500"),
        # The Upwork layout: a <br /> then a newline in the source is one line break, not two.
        ("Requirements:<br />\n- Python<br />\n- SQL<br />\n<br />\nThanks", None),
        ("Hello\n<br />world", "Hello\nworld"),
        ("<p>wrapped\nsource   text</p>", "wrapped source text"),
        ("<pre>keep\n  these\nlines</pre>", "keep\nthese\nlines"),
        ("plain\ntext &amp; entities\n\n\n\nonly", "plain\ntext & entities\n\nonly"),
        ("no markup at all\n  indented", "no markup at all\nindented"),
        ("", ""),
    ],
)
def test_html_to_text(markup: str, text: str | None) -> None:
    expected = text if text is not None else "Requirements:\n- Python\n- SQL\n\nThanks"
    assert html_to_text(markup) == expected


def test_html_to_text_of_an_unclosed_script_drops_the_rest() -> None:
    assert html_to_text("visible <script>document.write('hidden')") == "visible"


def test_html_to_text_shows_a_declaration_the_parser_rejects_as_text() -> None:
    # CPython's HTMLParser raises AssertionError on these; one posting must not sink a feed.
    assert html_to_text("<p>Use <![0 here</p>") == "Use <![0 here"
    assert html_to_text("odd <![A: text") == "odd <![A: text"


def test_tidy_text_folds_spaces_and_blank_lines() -> None:
    text = "  a \t b\u00a0\u00a0c  \n\n\n\n  d  \n"
    assert tidy_text(text) == "a b c\n\nd"


@pytest.mark.parametrize(
    ("value", "items"),
    [
        ("Python,     Django,   REST API   ", ["Python", "Django", "REST API"]),
        (["Python", " ", "SQL "], ["Python", "SQL"]),
        ("", []),
        (None, []),
    ],
)
def test_split_list(value: object, items: list[str]) -> None:
    assert split_list(value) == items


@given(st.integers(min_value=0, max_value=10**12))
def test_parse_money_reads_formatted_whole_dollars(amount: int) -> None:
    assert parse_money(f"${amount:,}") == amount
    assert parse_money(f"Est. budget: ${amount:,}.00") == amount


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=10**6))
def test_parse_money_range_reads_formatted_ranges(low: int, high: int) -> None:
    assert parse_money_range(f"Hourly: ${low:,}.00 - ${high:,}.00") == (low, high)


_MARKUP_BITS = st.sampled_from(
    [
        "<",
        ">",
        "</",
        "/>",
        "<!",
        "<![",
        "]]>",
        "<!--",
        "-->",
        "<?",
        "&",
        ";",
        "#x",
        "&amp;",
        " ",
        "\n",
        "br",
        "li",
        "p",
        "pre",
        "script",
        "DOCTYPE",
        "CDATA[",
        "=",
        '"',
        "a",
        "[",
        "]",
    ]
)


@given(st.text() | st.lists(_MARKUP_BITS).map("".join))
@example("<![0")
@example("Use <![A: in your template")
def test_html_to_text_never_raises_and_gives_tidy_text(markup: str) -> None:
    text = html_to_text(markup)
    assert text == tidy_text(text)


@given(st.text())
def test_escaped_text_comes_back_as_itself(text: str) -> None:
    # What a feed escapes once is the text the client typed, tags and all.
    assert html_to_text(html.escape(text)) == tidy_text(text)
