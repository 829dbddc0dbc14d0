"""The pages in a real browser: the system's headless Chromium opens the cockpit, a KAM page and
an account page from disk, as a reader opening an attachment would. Nothing may be requested but
the page's own file, nothing may be logged to the console, and every page is photographed
(into the test's temporary folder) so a failure can be looked at."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import sync_playwright

from pipelines.lib.report.browser import CHROMIUM_FLAGS, find_chromium

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def chosen_pages(pack: Path, published_db: Path) -> list[Path]:
    con = duckdb.connect(str(published_db), read_only=True)
    try:
        account_id, kam_id = con.execute(
            """
            select account_id, owner_kam_id from marts.dim_accounts
            where tier = 'key' order by revenue_12m desc, account_id limit 1
            """
        ).fetchone()
    finally:
        con.close()
    return [
        pack / "index.html",
        pack / "kams" / f"{kam_id}.html",
        pack / "accounts" / f"{account_id}.html",
    ]


def test_pages_open_offline_without_console_errors(pack_pt, published_db, tmp_path):
    pack, _ = pack_pt
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(find_chromium()), args=list(CHROMIUM_FLAGS), headless=True
        )
        try:
            context = browser.new_context(viewport={"width": 1000, "height": 1400})
            requests: list[str] = []
            context.on("request", lambda request: requests.append(request.url))
            for html in chosen_pages(pack, published_db):
                page = context.new_page()
                console: list[str] = []
                page.on(
                    "console",
                    lambda message, log=console: log.append(f"{message.type}: {message.text}"),
                )
                page.on("pageerror", lambda error, log=console: log.append(f"error: {error}"))
                requests.clear()
                response = page.goto(html.as_uri(), wait_until="load")
                page.wait_for_load_state("networkidle")
                assert response is not None and response.ok
                assert requests == [html.as_uri()], f"{html.name} requested {requests}"
                assert console == [], f"{html.name} logged {console}"
                assert page.locator("svg.chart").count() >= (1 if "kams" not in html.parts else 0)
                shot = tmp_path / f"{html.parent.name}-{html.stem}.png"
                page.screenshot(path=str(shot), full_page=True)
                assert shot.stat().st_size > 10_000
                page.close()
        finally:
            browser.close()


def test_no_page_holds_a_script_or_an_address_outside_the_pack(pack_pt):
    pack, _ = pack_pt
    for html in pack.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        assert "<script" not in text.lower(), html.name
        addresses = re.findall(r'(?:href|src)="([^"]+)"', text)
        outside = [a for a in addresses if re.match(r"[a-z]+:", a) or a.startswith("//")]
        assert outside == [], f"{html.name} points outside the pack: {outside[:3]}"
        for address in addresses:
            assert (html.parent / address).resolve().is_file(), (
                f"{html.name}: broken link {address}"
            )
