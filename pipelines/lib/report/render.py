"""Jinja2 pages from the view models: one environment, the stylesheet inlined into every page.

Autoescaping is on (account names come from a CRM export and may hold `<` or `&`), undefined
variables are errors (a typo in a template fails the build instead of printing nothing), and the
templates reach words only through the catalogue `t` and figures only through the formatter `fmt`.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import jinja2
import markupsafe

from pipelines.lib.report import palette
from pipelines.lib.report.content import AccountPage, Context, KamPage, PackContent

TEMPLATES_DIR = Path(__file__).with_name("templates")


class PageRenderer:
    def __init__(self, content: PackContent, *, with_pdf: bool = True) -> None:
        self.content = content
        self.with_pdf = with_pdf
        self.context: Context = content.context
        self.kam_names = {
            page.kam["kam_id"]: page.kam["kam_name"] or page.kam["kam_id"] for page in content.kams
        }

    @cached_property
    def environment(self) -> jinja2.Environment:
        environment = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
            autoescape=jinja2.select_autoescape(["html", "j2"]),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        environment.globals.update(
            t=self.context.t,
            fmt=self.context.fmt,
            ctx=self.context,
            pace_of=pace_of,
            with_pdf=self.with_pdf,
            competitor_list=competitor_list,
            kam_name=lambda kam_id: self.kam_names.get(kam_id, kam_id or "—"),
            tier_names=", ".join(self.context.t.label("tier", tier) for tier in self.context.tiers),
        )
        return environment

    def _css(self, title: str) -> markupsafe.Markup:
        t = self.context.t
        footer = t(
            "pack.footer",
            title=title,
            as_of=self.context.fmt.date(self.context.as_of),
            version=self.context.version,
        )
        return markupsafe.Markup(
            self.environment.get_template("style.css").render(
                palette_properties=palette.css_custom_properties(),
                footer_left=_css_string(footer),
                footer_page=_css_string(t("pack.page")),
            )
        )

    def cockpit(self) -> str:
        content = self.content
        return self.environment.get_template("cockpit.html.j2").render(
            css=self._css(self.context.t("cockpit.title")),
            page_kind="cockpit",
            root="",
            pdf_href="index.pdf",
            cockpit=content.cockpit,
            index_accounts=[page.summary for page in content.accounts],
        )

    def kam(self, page: KamPage) -> str:
        return self.environment.get_template("kam.html.j2").render(
            css=self._css(page.kam["kam_name"] or page.kam["kam_id"]),
            page_kind="kam",
            root="../",
            pdf_href=f"{page.kam['kam_id']}.pdf",
            page=page,
        )

    def account(self, page: AccountPage) -> str:
        profile = page.summary.profile
        return self.environment.get_template("account.html.j2").render(
            css=self._css(profile["account_name"]),
            page_kind="account",
            root="../",
            pdf_href=f"{page.summary.account_id}.pdf",
            page=page,
        )


def pace_of(attainment_pct: float | None, expected_pct: float | None) -> str | None:
    """The pace rule of `objective_attainment` (SPEC), applied to a weighted attainment."""
    if attainment_pct is None:
        return None
    if attainment_pct >= 100:
        return "achieved"
    if expected_pct is None or attainment_pct >= expected_pct:
        return "on_track"
    if attainment_pct >= 0.8 * expected_pct:
        return "at_risk"
    return "off_track"


def competitor_list(text: str) -> str:
    """`MSD;Eurofarma` (the CRM's list) as `MSD, Eurofarma`."""
    names = [name.strip() for name in text.replace(";", ",").split(",")]
    return ", ".join(name for name in names if name)


def _css_string(text: str) -> str:
    """Text for a CSS `content:` string (the running footer of printed pages). `<` is escaped
    too: the stylesheet sits in a <style> element, which an account name must not close."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("<", "\\3c ")
