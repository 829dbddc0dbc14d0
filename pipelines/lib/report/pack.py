"""Build the review pack of one published version: HTML pages, their PDFs, one bundle per KAM.

Layout of the output folder:

    index.html, index.pdf                  the portfolio cockpit
    kams/<kam_id>.html, .pdf               a KAM's quarter
    kams/<kam_id>-pack.pdf                 that page followed by the pages of their accounts
    accounts/<account_id>.html, .pdf       one page per account of the pack's tiers

Everything is written into a sibling `<out_dir>.partial` folder, which replaces `out_dir` by a
rename once complete: a reader never opens half a pack, and a failed build leaves the previous
pack of that version as it was. Nothing is written anywhere else; the published file is opened
read-only.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from babel.numbers import is_currency

from pipelines.lib.contract import TIERS
from pipelines.lib.publish import CURRENT_POINTER_NAME, VERSIONS_DIR_NAME
from pipelines.lib.report import content as pack_content
from pipelines.lib.report import pdf as printing
from pipelines.lib.report.browser import find_chromium
from pipelines.lib.report.content import WorkloadLimits
from pipelines.lib.report.errors import ReportError
from pipelines.lib.report.formatting import LOCALES
from pipelines.lib.report.render import PageRenderer

DEFAULT_TIERS = ("key", "strategic")


@dataclass(frozen=True)
class ReviewPackSummary:
    out_dir: Path
    version: str
    lang: str
    pages: int  # HTML pages
    kam_pages: int
    account_pages: int
    pdfs: int  # PDF files, bundles included
    pdf_pages: int  # printed A4 pages over every single-page PDF (bundles not counted again)
    seconds: float  # the whole build
    pdf_seconds: float = 0.0  # of which printing and bundling

    def describe(self) -> str:
        pdf_part = (
            f"{self.pdfs} PDFs ({self.pdf_pages} A4 pages)" if self.pdfs else "no PDFs (--no-pdf)"
        )
        return (
            f"review pack of version {self.version} ({self.lang}): {self.pages} pages "
            f"(cockpit, {self.kam_pages} KAMs, {self.account_pages} accounts), {pdf_part}, "
            f"in {self.seconds:.1f} s -> {self.out_dir / 'index.html'}"
        )


def build_review_pack(
    published_db: Path,
    out_dir: Path,
    *,
    lang: str,
    tiers: Sequence[str],
    expose_contact_names: bool,
    currency: str = "BRL",
    pdf: bool = True,
    chromium: str | Path | None = None,
    workload_limits: WorkloadLimits | None = None,
    now: datetime | None = None,
) -> ReviewPackSummary:
    """Write the review pack of `published_db` into `out_dir` (replaced atomically).

    `tiers`: the tiers whose accounts get a page (and appear in the cockpit's risk list).
    `expose_contact_names`: LGPD. Decision units are shown as roles and counts, always (no
    published mart names a contact). When true, a KAM page also shows the KAM's e-mail, if
    `dim_kams` was published with it; when false, no e-mail is read, whatever the file holds.
    `chromium`: the browser that prints the PDFs (default: found on PATH); checked before any
    work starts, so a missing browser fails in a second with the install command.
    """
    started = time.monotonic()
    published_db = Path(published_db)
    out_dir = Path(out_dir)
    _validate(published_db, lang=lang, tiers=tiers, currency=currency)
    executable = find_chromium(chromium) if pdf else None
    version = _version_of(published_db)
    generated_at = (now or datetime.now(UTC)).replace(tzinfo=None)

    partial = out_dir.with_name(out_dir.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        (partial / "kams").mkdir(parents=True)
        (partial / "accounts").mkdir()
        con = duckdb.connect(str(published_db), read_only=True)
        try:
            content = pack_content.gather(
                con,
                version=version,
                lang=lang,
                currency=currency,
                tiers=tiers,
                limits=workload_limits or WorkloadLimits(),
                generated_at=generated_at,
                expose_contact_names=expose_contact_names,
            )
        except duckdb.Error as error:
            raise ReportError(
                f"{published_db}: cannot read the marts the review pack needs: "
                f"{str(error).splitlines()[0]}"
            ) from error
        finally:
            con.close()
        written = _write_pages(content, partial, with_pdf=executable is not None)
        pdfs = pdf_pages = 0
        printing_started = time.monotonic()
        if executable is not None:
            pdfs, pdf_pages = _write_pdfs(written, content, partial, executable)
        pdf_seconds = time.monotonic() - printing_started if executable is not None else 0.0
        _replace(partial, out_dir)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return ReviewPackSummary(
        out_dir=out_dir,
        version=version,
        lang=lang,
        pages=1 + len(content.kams) + len(content.accounts),
        kam_pages=len(content.kams),
        account_pages=len(content.accounts),
        pdfs=pdfs,
        pdf_pages=pdf_pages,
        seconds=time.monotonic() - started,
        pdf_seconds=pdf_seconds,
    )


def _validate(published_db: Path, *, lang: str, tiers: Sequence[str], currency: str) -> None:
    if lang not in LOCALES:
        raise ReportError(f"language {lang!r}: expected one of {', '.join(LOCALES)}")
    if not is_currency(currency):
        raise ReportError(f"currency {currency!r}: expected an ISO 4217 code such as BRL or USD")
    unknown = [tier for tier in tiers if tier not in TIERS]
    if unknown or not tiers:
        raise ReportError(
            f"report tiers {', '.join(unknown) or '(none)'}: expected one or more of "
            f"{', '.join(TIERS)}"
        )
    if not published_db.is_file():
        raise ReportError(f"{published_db}: no published DuckDB file there")


def _version_of(published_db: Path) -> str:
    """`versions/<version>/kam.duckdb` names its version; `published/kam.duckdb` (the link BI
    opens) is the version its `CURRENT` file names."""
    if published_db.parent.parent.name == VERSIONS_DIR_NAME:
        return published_db.parent.name
    pointer = published_db.with_name(CURRENT_POINTER_NAME)
    if pointer.is_file() and pointer.read_text(encoding="utf-8").strip():
        return pointer.read_text(encoding="utf-8").strip()
    return published_db.stem


@dataclass(frozen=True)
class _Written:
    cockpit: Path
    kams: dict[str, Path]  # kam_id -> html
    accounts: dict[str, Path]  # account_id -> html


def _write_pages(content: pack_content.PackContent, root: Path, *, with_pdf: bool) -> _Written:
    renderer = PageRenderer(content, with_pdf=with_pdf)
    cockpit = root / "index.html"
    cockpit.write_text(renderer.cockpit(), encoding="utf-8")
    kams = {}
    for page in content.kams:
        path = root / "kams" / f"{page.kam['kam_id']}.html"
        path.write_text(renderer.kam(page), encoding="utf-8")
        kams[page.kam["kam_id"]] = path
    accounts = {}
    for page in content.accounts:
        path = root / "accounts" / f"{page.summary.account_id}.html"
        path.write_text(renderer.account(page), encoding="utf-8")
        accounts[page.summary.account_id] = path
    return _Written(cockpit=cockpit, kams=kams, accounts=accounts)


def _write_pdfs(
    written: _Written, content: pack_content.PackContent, root: Path, chromium: Path
) -> tuple[int, int]:
    """Every page as its own PDF, then one bundle per KAM; returns (files, single pages)."""
    htmls = [written.cockpit, *written.kams.values(), *written.accounts.values()]
    jobs = [(html, html.with_suffix(".pdf")) for html in htmls]
    printing.print_to_pdf(jobs, chromium)
    pages = sum(printing.page_count(target) for _, target in jobs)
    bundles = 0
    for page in content.kams:
        kam_id = page.kam["kam_id"]
        parts = [written.kams[kam_id].with_suffix(".pdf")]
        parts += [
            written.accounts[account.account_id].with_suffix(".pdf")
            for account in page.accounts
            if account.account_id in written.accounts
        ]
        printing.bundle(parts, root / "kams" / f"{kam_id}-pack.pdf")
        bundles += 1
    return len(jobs) + bundles, pages


def _replace(partial: Path, out_dir: Path) -> None:
    """Put the finished pack in place of any earlier pack of the same version."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    if not out_dir.exists():
        os.rename(partial, out_dir)
        return
    previous = out_dir.with_name(out_dir.name + ".previous")
    shutil.rmtree(previous, ignore_errors=True)
    os.rename(out_dir, previous)
    os.rename(partial, out_dir)
    shutil.rmtree(previous, ignore_errors=True)
