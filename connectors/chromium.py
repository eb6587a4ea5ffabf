"""Starting Chromium for bidflow: reading job pages now, printing PDFs later.

Playwright cannot download its own browsers on every machine bidflow runs on, so the system
Chromium is used when there is one; otherwise Playwright's own build (``playwright install``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Playwright, sync_playwright

CHROMIUM_PATHS = (Path("/usr/bin/chromium"), Path("/usr/bin/chromium-browser"))
CHROMIUM_ARGS = (
    "--no-sandbox",  # containers and CI runners usually cannot give Chromium its sandbox
    "--disable-gpu",
    # No update checks, safe-browsing downloads or sync: the only traffic is what a page asks for.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def chromium_executable() -> str | None:
    """The system Chromium, or None to let Playwright use the browser it installed."""
    return next((str(path) for path in CHROMIUM_PATHS if path.exists()), None)


def launch_chromium(
    playwright: Playwright, *, headless: bool = True, extra_args: Sequence[str] = ()
) -> Browser:
    """A Chromium that talks to the network only for the pages it is given. ``extra_args`` are
    further command-line switches (the browser feed blocks hosts with them)."""
    return playwright.chromium.launch(
        executable_path=chromium_executable(),
        headless=headless,
        args=[*CHROMIUM_ARGS, *extra_args],
    )


@contextmanager
def running_chromium(*, headless: bool = True, extra_args: Sequence[str] = ()) -> Iterator[Browser]:
    """A Chromium for the length of a ``with`` block, closed however the block ends.

    Playwright's sync API: call it from a thread with no running event loop.
    """
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright, headless=headless, extra_args=extra_args)
        try:
            yield browser
        finally:
            browser.close()
