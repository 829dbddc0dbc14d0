"""The system's headless Chromium, driven through Playwright, for printing pages to PDF.

Chromium comes from the operating system (Debian's `chromium`, installed by `make browser`),
never from `playwright install`, which downloads a browser build and fails on a locked-down
server. Playwright's Python package only drives it (its Node driver ships inside the wheel).

The flags switch off everything that would reach the network on its own (component updates,
sync, background requests, QUIC): on a closed network their connections hang. Playwright starts
each browser with a fresh, temporary profile (`--user-data-dir`), removed when it closes.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from playwright.async_api import Browser, Error, async_playwright

from pipelines.lib.report.errors import BrowserMissingError, ReportError

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",  # CI and servers run as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
INSTALL_HINT = (
    "install it with `make browser` (Debian/Ubuntu: `apt-get install chromium`), "
    "or build the HTML pages only with `kam report --no-pdf`"
)


def find_chromium(explicit: str | Path | None = None) -> Path:
    """The Chromium executable to print with: `explicit` when given, else the first of the usual
    names on PATH. Raises BrowserMissingError saying what was looked for and how to install it."""
    if explicit:
        path = Path(explicit)
        if path.is_file() and os.access(path, os.X_OK):
            return path
        raise BrowserMissingError(
            f"PDF printing needs headless Chromium: {path} is not an executable file; "
            + INSTALL_HINT
        )
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return Path(found)
    raise BrowserMissingError(
        "PDF printing needs headless Chromium and none was found on PATH "
        f"(looked for {', '.join(CHROMIUM_NAMES)}); " + INSTALL_HINT
    )


@asynccontextmanager
async def headless_chromium(executable: Path) -> AsyncIterator[Browser]:
    """A running headless Chromium; closed (and its profile removed) on exit."""
    async with async_playwright() as playwright:
        try:
            browser = await playwright.chromium.launch(
                executable_path=str(executable), args=list(CHROMIUM_FLAGS), headless=True
            )
        except Error as error:
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise ReportError(
                f"could not start Chromium at {executable}: {first_line}; " + INSTALL_HINT
            ) from error
        try:
            yield browser
        finally:
            await browser.close()
