"""README's pictures of the review pack, taken by `make screenshots`.

Builds the pack of a home's current published version into a temporary folder (HTML only) and
photographs the first sheet of the cockpit and of the largest key account's page with the
system's headless Chromium. The pictures are committed, so they are regenerated on purpose, from
the sample data, rather than on every run.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

import duckdb

from pipelines.lib.publish import PUBLISHED_DB_NAME, VERSIONS_DIR_NAME, current_version
from pipelines.lib.report.browser import find_chromium, headless_chromium
from pipelines.lib.report.errors import ReportError
from pipelines.lib.report.pack import build_review_pack

VIEWPORT = {"width": 860, "height": 1100}
SCALE = 1.5  # sharp on high-density screens, small enough for a repository

LARGEST_KEY_ACCOUNT_SQL = """
select account_id from marts.dim_accounts
where tier = 'key'
order by revenue_12m desc, account_id
limit 1
"""


def take_screenshots(home: Path, out_dir: Path, *, lang: str = "pt") -> list[Path]:
    version = current_version(home / "published")
    if version is None:
        raise ReportError(f"nothing is published in {home / 'published'}; run `make demo` first")
    published_db = home / "published" / VERSIONS_DIR_NAME / version / PUBLISHED_DB_NAME
    con = duckdb.connect(str(published_db), read_only=True)
    try:
        row = con.execute(LARGEST_KEY_ACCOUNT_SQL).fetchone()
    finally:
        con.close()
    if row is None:
        raise ReportError(f"{published_db}: no key account to photograph")
    out_dir.mkdir(parents=True, exist_ok=True)
    shots = [
        ("index.html", out_dir / "review-pack-cockpit.png"),
        (f"accounts/{row[0]}.html", out_dir / "review-pack-account.png"),
    ]
    with tempfile.TemporaryDirectory() as scratch:
        pack = Path(scratch) / "pack"
        build_review_pack(
            published_db,
            pack,
            lang=lang,
            tiers=("key", "strategic"),
            expose_contact_names=False,
            pdf=False,
        )
        asyncio.run(_photograph([(pack / page, png) for page, png in shots]))
    return [png for _, png in shots]


async def _photograph(jobs: list[tuple[Path, Path]]) -> None:
    async with headless_chromium(find_chromium()) as browser:
        page = await browser.new_page(viewport=VIEWPORT, device_scale_factor=SCALE)
        for html, png in jobs:
            await page.goto(html.resolve().as_uri(), wait_until="load")
            sheet = page.locator("section.sheet").first
            await sheet.screenshot(path=str(png))
        await page.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", default="data", help="KAM home with a published version")
    parser.add_argument("--out", default="docs/img", help="folder for the PNG files")
    parser.add_argument("--lang", default="pt", choices=("pt", "en"))
    args = parser.parse_args(argv)
    try:
        for path in take_screenshots(Path(args.home), Path(args.out), lang=args.lang):
            print(f"wrote {path}")
    except ReportError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
