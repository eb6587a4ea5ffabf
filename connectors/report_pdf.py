"""Printing a self-contained HTML page (the weekly report) to an A4 PDF with Chromium.

The page is loaded with JavaScript off and every network request refused: it needs nothing
beyond itself (its charts are data URIs), and whatever text a job or the config put into it
can neither run nor fetch anything while it is printed.
"""

from __future__ import annotations

import html
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import PdfMargins, Route

from bidflow.errors import BidflowError
from connectors.chromium import running_chromium

# The same margins as the page's CSS @page rule, with room at the bottom for the footer.
MARGINS: PdfMargins = {"top": "14mm", "right": "12mm", "bottom": "16mm", "left": "12mm"}
PRINT_TIMEOUT_MS = 60_000
_FOOTER = (
    '<div style="width:100%;margin:0 12mm;font-family:sans-serif;font-size:8px;color:#5b6775;'
    'display:flex;justify-content:space-between">'
    '<span>{label}</span><span>Page <span class="pageNumber"></span> of'
    ' <span class="totalPages"></span></span></div>'
)


class PdfError(BidflowError):
    """Chromium could not be started, or could not print the page."""


def print_pdf(page_html: str, destination: Path, *, footer: str = "") -> Path:
    """Print ``page_html`` to ``destination`` as A4 with backgrounds and "Page N of M" (plus
    ``footer``, escaped) at the foot of every page; returns ``destination``."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    try:
        with running_chromium() as browser:
            context = browser.new_context(java_script_enabled=False)
            try:
                page = context.new_page()
                page.set_default_timeout(PRINT_TIMEOUT_MS)
                page.route("**/*", _refuse)
                page.set_content(page_html, wait_until="load")
                page.emulate_media(media="print")
                page.pdf(
                    path=str(destination),
                    format="A4",
                    print_background=True,
                    display_header_footer=True,
                    header_template="<span></span>",
                    footer_template=_FOOTER.format(label=html.escape(footer)),
                    margin=MARGINS,
                )
            finally:
                context.close()
    except PlaywrightError as exc:
        raise PdfError(_explain(exc)) from None
    return destination


def _refuse(route: Route) -> None:
    route.abort()


def _explain(exc: PlaywrightError) -> str:
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "Executable doesn't exist" in str(exc) or "executable" in first_line.lower():
        return (
            "cannot print the PDF: no Chromium found; install Debian's `chromium` package"
            " (/usr/bin/chromium) or run `.venv/bin/playwright install chromium`"
        )
    return f"Chromium could not print the PDF: {first_line}"
