"""The PDFs: one per page, A4, as many pages as the page has printed sheets, and a bundle per KAM
that is exactly their page followed by their accounts' pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

pytestmark = [pytest.mark.slow, pytest.mark.browser]

A4_POINTS = (595.0, 842.0)


def pages(path: Path) -> int:
    return len(PdfReader(str(path)).pages)


def printed_sheets(html: Path) -> int:
    """Sheets a page prints: `<section class="sheet">`, less those shown on screen only."""
    text = html.read_text(encoding="utf-8")
    classes = re.findall(r'<section class="(sheet[^"]*)"', text)
    return sum(1 for names in classes if "screen-only" not in names.split())


def test_every_page_has_its_pdf_on_a4(pack_pt):
    pack, summary = pack_pt
    htmls = [
        pack / "index.html",
        *(pack / "kams").glob("*.html"),
        *(pack / "accounts").glob("*.html"),
    ]
    for html in htmls:
        pdf = html.with_suffix(".pdf")
        assert pdf.is_file(), f"no PDF for {html.name}"
        first = PdfReader(str(pdf)).pages[0]
        width, height = float(first.mediabox.width), float(first.mediabox.height)
        assert abs(width - A4_POINTS[0]) < 1 and abs(height - A4_POINTS[1]) < 1, (width, height)
    bundles = list((pack / "kams").glob("*-pack.pdf"))
    assert summary.pdfs == len(htmls) + len(bundles)
    assert summary.pdf_pages == sum(pages(html.with_suffix(".pdf")) for html in htmls)


def test_cockpit_and_account_pages_print_one_a4_page_per_sheet(pack_pt):
    """Each sheet is laid out to fit one page; a sheet that overflowed would add a page."""
    pack, _ = pack_pt
    cockpit = pack / "index.html"
    assert printed_sheets(cockpit) == 4
    assert pages(cockpit.with_suffix(".pdf")) == printed_sheets(cockpit)
    accounts = sorted((pack / "accounts").glob("*.html"))
    assert accounts
    for html in accounts:
        assert printed_sheets(html) == 2
        assert pages(html.with_suffix(".pdf")) == 2, f"{html.name} overflowed its sheets"


def test_a_kam_bundle_is_their_page_then_their_accounts_pages(pack_pt):
    pack, _ = pack_pt
    bundles = sorted((pack / "kams").glob("*-pack.pdf"))
    assert bundles
    for bundle in bundles:
        kam_id = bundle.name.removesuffix("-pack.pdf")
        kam_html = (pack / "kams" / f"{kam_id}.html").read_text(encoding="utf-8")
        linked = sorted(set(re.findall(r'href="\.\./accounts/([^"]+)\.html"', kam_html)))
        expected = pages(pack / "kams" / f"{kam_id}.pdf") + sum(
            pages(pack / "accounts" / f"{account_id}.pdf") for account_id in linked
        )
        assert pages(bundle) == expected, kam_id
        assert pages(pack / "kams" / f"{kam_id}.pdf") >= printed_sheets(
            pack / "kams" / f"{kam_id}.html"
        )
