"""The weekly report printed by real Chromium: A4 pages with the report's text, its charts as
images and page numbers; nothing on the page may run or fetch anything while it prints."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from analytics.render import render_report_html, report_title
from connectors.report_pdf import print_pdf
from tests.analytics.report_fixtures import sample_report
from tests.connectors.servers import Reply, serve

pytestmark = pytest.mark.browser

A4_POINTS = (595.3, 841.9)  # 210 × 297 mm; Chromium rounds to whole device pixels


def _image_count(reader: PdfReader) -> int:
    images = 0
    for page in reader.pages:
        resources = page.get("/Resources")
        xobjects = resources.get_object().get("/XObject") if resources is not None else None
        if not isinstance(xobjects, DictionaryObject):
            continue
        for reference in xobjects.values():
            if reference.get_object().get("/Subtype") == "/Image":
                images += 1
    return images


def test_the_report_prints_on_a4_with_its_text_charts_and_page_numbers(tmp_path: Path) -> None:
    report = sample_report()
    page = render_report_html(report, agency="Northwind")

    pdf = print_pdf(page, tmp_path / "out" / "report.pdf", footer=report_title(report, "Northwind"))

    reader = PdfReader(pdf)
    assert len(reader.pages) >= 1
    size = [float(v) for v in reader.pages[0].mediabox.upper_right]
    assert all(abs(got - want) < 2 for got, want in zip(size, A4_POINTS, strict=True)), size
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Weekly report 2026-W47" in text
    assert "Marcus Chen" in text
    assert f"Page 1 of {len(reader.pages)}" in text
    assert len(reader.pages) >= 5  # the overview, then a page per section
    assert _image_count(reader) >= 3  # the funnel, speed and trend charts


def test_the_page_can_neither_run_scripts_nor_fetch_anything(tmp_path: Path) -> None:
    with serve(lambda request: Reply(body=b"GIF89a")) as tracker:
        hostile = (
            "<html><body><p id=p>static text</p>"
            f'<img src="{tracker.url("/pixel.gif")}">'
            f'<link rel="stylesheet" href="{tracker.url("/style.css")}">'
            "<script>document.getElementById('p').textContent = 'script ran'</script>"
            "</body></html>"
        )
        pdf = print_pdf(hostile, tmp_path / "hostile.pdf")

        assert tracker.requests == []
    text = PdfReader(pdf).pages[0].extract_text()
    assert "static text" in text and "script ran" not in text
