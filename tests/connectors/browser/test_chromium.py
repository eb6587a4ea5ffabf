"""The shared Chromium launcher: which executable it picks, and a browser that prints PDFs."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser

from connectors import chromium as launcher


def test_the_system_chromium_is_preferred_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "chromium", tmp_path / "chromium-browser"
    second.touch()
    monkeypatch.setattr(launcher, "CHROMIUM_PATHS", (first, second))
    assert launcher.chromium_executable() == str(second)

    first.touch()
    assert launcher.chromium_executable() == str(first)


def test_without_a_system_chromium_playwright_picks_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(launcher, "CHROMIUM_PATHS", (tmp_path / "none",))
    assert launcher.chromium_executable() is None


@pytest.mark.browser
def test_the_browser_is_headless_and_prints_pdfs(chromium: Browser) -> None:
    page = chromium.new_page()
    try:
        page.set_content("<h1>Proposal for Acme</h1><p>Scope, timeline, price.</p>")
        assert "HeadlessChrome" in page.evaluate("navigator.userAgent")
        assert page.pdf(format="A4").startswith(b"%PDF-")
    finally:
        page.close()
