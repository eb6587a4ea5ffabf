"""The weekly report's HTML page: headline changes, every table with formatted cells, escaped
names, NaN as a dash, rates with their intervals, and charts that are the same bytes each run."""

from __future__ import annotations

import html as htmllib
import math
import re
import struct
import zlib
from datetime import UTC, datetime

import pytest

from analytics import report_format as fmt
from analytics.charts import report_charts
from analytics.render import render_report_html, report_summary_text
from analytics.report_model import TABLE_SLUGS, Change
from analytics.report_tables import header
from analytics.weekly import IsoWeek
from tests.analytics.report_fixtures import HOSTILE_BIDDER, HOSTILE_CATEGORY, sample_report

TAG = re.compile(r"<[^>]+>")


@pytest.fixture(scope="module")
def page() -> str:
    """The sample report's page, drawn once for the tests that only read it."""
    return render_report_html(sample_report(), agency="Northwind")


def _text(fragment: str) -> str:
    """What a reader sees of an HTML fragment: tags dropped, entities decoded, spaces joined."""
    return " ".join(htmllib.unescape(TAG.sub(" ", fragment)).split())


def _figures(page: str) -> dict[str, str]:
    """Each headline figure's text by its label."""
    blocks = page.split('<div class="figure">')[1:]
    figures = {}
    for block in blocks:
        label = re.search(r'<div class="label">(.*?)</div>', block, re.S)
        assert label is not None
        figures[htmllib.unescape(label.group(1))] = _text(block.split("</div>\n    </div>")[0])
    return figures


def _row(page: str, first_cell: str, nth: int = 0) -> list[str]:
    """The cells of the ``nth`` table row (0: the first) whose first cell reads ``first_cell``."""
    found = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", page, re.S):
        cells = [_text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        if cells and cells[0] == first_cell:
            found.append(cells)
    assert len(found) > nth, f"no row {nth} starting with {first_cell!r}"
    return found[nth]


def test_headline_figures_move_in_points_for_rates_and_percent_for_the_rest(page: str) -> None:
    figures = _figures(page)

    assert figures["Proposals sent"] == "Proposals sent 50 ▲ +25% (last week 40)"
    assert figures["Reply rate"] == "Reply rate 22% ▲ +3.0 pts (last week 19%)"
    assert figures["Win rate"] == "Win rate 6% ▼ −1.5 pts (last week 8%)"
    assert figures["Hires"] == "Hires 3 ▲ new (last week 0)"
    assert figures["LLM cost"] == "LLM cost $2.47 ▲ +30% (last week $1.90)"
    assert figures["Median time to send"] == "Median time to send 33 min ▼ −27% (last week 45 min)"
    assert figures["Connects spent"] == "Connects spent 800 —"  # nothing to compare with


def test_a_rise_in_cost_or_delay_is_bad_news_and_a_rise_in_replies_good(page: str) -> None:
    assert fmt.change(Change("Reply rate", "rate", 0.3, 0.2)).tone == "good"
    assert fmt.change(Change("Proposals sent", "count", 5, 9)).tone == "bad"
    assert fmt.change(Change("LLM cost", "usd", 3.0, 2.0)).tone == "bad"
    assert fmt.change(Change("Median time to send", "seconds", 60, 600)).tone == "good"
    unchanged = fmt.change(Change("Hires", "count", 2, 2))
    assert (str(unchanged), unchanged.tone) == ("▶ no change", "flat")
    assert '<div class="change bad">\n        ▲ +30%' in page  # the LLM cost's rise is red


def test_hostile_names_are_escaped_everywhere_they_appear() -> None:
    report = sample_report(bidders=("Ana Ribeiro", HOSTILE_BIDDER), category=HOSTILE_CATEGORY)
    page = render_report_html(report, agency='Evil "Agency" <b>')

    assert "<script" not in page and "<img src=x" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(&#34;bidder&#34;)&lt;/script&gt; &amp; Co" in page
    assert _row(page, HOSTILE_BIDDER)[:3] == [HOSTILE_BIDDER, "388", "71"]
    assert _row(page, HOSTILE_CATEGORY)[1] == "20"
    assert "<title>Evil &#34;Agency&#34; &lt;b&gt; — Weekly report 2026-W47" in page
    # The name reaches the chart's alt text too, escaped inside the attribute.
    alt = re.search(r'<img src="data:image/png;base64,[^"]+" alt="(Funnel by bidder[^"]*)"', page)
    assert alt is not None and HOSTILE_BIDDER in htmllib.unescape(alt.group(1))


def test_the_page_needs_nothing_from_outside() -> None:
    page = render_report_html(sample_report(category=HOSTILE_CATEGORY))
    assert "<link" not in page and "<script" not in page and "@import" not in page
    sources = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert sources and all(source.startswith("data:image/png;base64,") for source in sources)


def test_missing_rates_show_a_dash_and_never_nan(page: str) -> None:

    assert _row(page, "Priya Nair")[5] == "0"  # sent, in the counts part
    rates = _row(page, "Priya Nair", 1)  # the bidder funnel's rates part
    assert rates[-3:] == ["—", "—", "—"]  # view, reply and win rates over zero sends
    assert _row(page, "> 4 h")[4:] == ["—", "—"]  # reply rate and median delay
    assert re.search(r"\bnan\b", _text(page), re.IGNORECASE) is None
    assert fmt.rate_with_interval(math.nan, 0.1, 0.2) == "—"


def test_rates_carry_their_95_percent_interval(page: str) -> None:
    assert fmt.rate_with_interval(0.24, 0.18, 0.31) == "24% (18–31%)"
    assert fmt.rate_with_interval(0.24, None, None) == "24%"
    assert fmt.rate_with_interval(0.0, -0.0, 0.278) == "0% (0–28%)"
    assert fmt.percent(0.004) == "<1%"
    ana = _row(page, "Ana Ribeiro", 1)  # the bidder funnel's rates part
    assert ana[4] == "25% (13–43%)"  # reply rate 7 of 28, Wilson interval
    assert _row(page, "All", 2) == ["All", "$2.47"]  # the bidder funnel total's LLM cost


def test_every_table_appears_in_order_with_words_for_headers(page: str) -> None:
    report = sample_report()
    positions = [page.index(f"<h3>{report.table(slug).title}</h3>") for slug in TABLE_SLUGS[1:]]
    assert positions == sorted(positions)
    assert "<h2>Funnel by bidder</h2>" in page
    # Every table with a total row marks it; the bidder funnel's three parts each have one.
    assert page.count('<tr class="total">') == 11
    assert header("llm_cost_usd") == "LLM cost ($)"
    assert header("median_send_delay_s") == "Median send delay"
    assert header("sends_a") == "Sends A"


def test_a_table_too_wide_for_the_page_is_shown_in_parts_that_start_with_its_group(
    page: str,
) -> None:
    funnel = page[page.index("<h2>Funnel by bidder</h2>") : page.index("<h2>Where replies")]
    labels = re.findall(r'<p class="part">(.*?)</p>', funnel)
    assert labels == [
        "Counts",
        "Rates so far, with their 95% interval",
        "Money, time and other figures",
    ]
    headers = [_text(h).split(" ") for h in re.findall(r"<thead>(.*?)</thead>", funnel, re.S)]
    assert [h[0] for h in headers] == ["Bidder", "Bidder", "Bidder"]
    assert _text(funnel).count("Seen") == 1 and _text(funnel).count("LLM cost ($)") == 1
    assert '<p class="part">' not in page[page.index("<h3>Funnel by template variant") :]


def test_title_names_the_iso_week_and_its_dates_in_the_agency_timezone(page: str) -> None:
    assert "<h1>Weekly report 2026-W47</h1>" in page
    assert "16–22 Nov 2026 · Monday to Sunday, Europe/Berlin time" in page
    assert "Generated 2026-11-23 08:00 Europe/Berlin" in page
    year_end = sample_report(week=IsoWeek(2026, 53), timezone="America/New_York")
    assert "28 Dec 2026 – 3 Jan 2027" in render_report_html(year_end, charts=[])
    start = datetime(2026, 11, 30, tzinfo=UTC)
    assert fmt.week_dates(start, datetime(2026, 12, 7, tzinfo=UTC)) == "30 Nov – 6 Dec 2026"


def test_verdicts_are_in_plain_words(page: str) -> None:
    text = _text(page)
    assert (
        "proposal (A) against proposal_b (B): B beats A, 95% confidence. A got 3 replies from"
        " 26 sends, B 8 from 24; B minus A +21.8 pts, p = 0.041." in text
    )
    assert "not enough data yet: about 120 more sends needed" in text


def _png_chunks(png: bytes) -> list[bytes]:
    chunks, offset = [], 8
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        chunks.append(png[offset + 4 : offset + 8])
        offset += 12 + length
    return chunks


def test_charts_are_pngs_with_alt_text_and_the_same_bytes_every_run() -> None:
    report = sample_report(bidders=("Ana Ribeiro", "Price $\\frac{1", "Marcus Chen"))
    first, second = report_charts(report), report_charts(report)

    assert [chart.name for chart in first] == ["funnel-by-bidder", "speed-to-send", "weekly-trend"]
    assert [chart.png for chart in first] == [chart.png for chart in second]
    for chart in first:
        assert chart.png.startswith(b"\x89PNG\r\n\x1a\n")
        assert not {b"tEXt", b"iTXt", b"zTXt", b"tIME"} & set(_png_chunks(chart.png))
        zlib.decompress(b"".join(_idat(chart.png)))  # a whole, readable image
    assert "Price $\\frac{1: drafted 33" in first[0].alt  # "$" drawn as text, not as math
    assert "< 15 min 43% (21–67%)" in first[1].alt and "> 4 h —" in first[1].alt
    page = render_report_html(report, charts=first)
    assert page.count('<img src="data:image/png;base64,') == 3


def _idat(png: bytes) -> list[bytes]:
    parts, offset = [], 8
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        if png[offset + 4 : offset + 8] == b"IDAT":
            parts.append(png[offset + 8 : offset + 8 + length])
        offset += 12 + length
    return parts


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(45, "45 s"), (720, "12 min"), (12_000, "3 h 20 min"), (216_000, "2.5 days")],
)
def test_durations_read_in_units_a_person_uses(seconds: float, text: str) -> None:
    assert fmt.duration(seconds) == text


def test_summary_text_gives_the_headline_and_verdicts() -> None:
    text = report_summary_text(sample_report(), "Northwind")
    lines = text.splitlines()
    assert lines[0] == "Northwind — Weekly report 2026-W47 · 16–22 Nov 2026"
    assert "Reply rate: 22% (▲ +3.0 pts vs 19%)" in lines
    assert "Connects spent: 800" in lines
    assert "- proposal vs proposal_b: B beats A, 95% confidence" in lines
