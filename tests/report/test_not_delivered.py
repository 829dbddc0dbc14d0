"""A warehouse whose landing held only the required inputs (accounts and invoice lines): the
pack still builds, and every section fed by a missing input says it was not delivered."""

from __future__ import annotations

import pytest

from pipelines.lib.report import build_review_pack
from pipelines.lib.report.messages import Catalogue
from tests.report.html_reading import read_page

pytestmark = pytest.mark.slow

PT = Catalogue("pt")


def not_delivered(input_name: str) -> str:
    return PT("common.not_delivered", input=PT.label("input", input_name)).split(".")[0]


def test_pack_of_a_warehouse_with_only_accounts_and_invoice_lines(minimal_published_db, tmp_path):
    published_db, how = minimal_published_db
    print(f"minimal warehouse: {how}")
    out = tmp_path / "pack"
    summary = build_review_pack(
        published_db,
        out,
        lang="pt",
        tiers=("key", "strategic"),
        expose_contact_names=False,
        pdf=False,
    )
    assert summary.account_pages > 0 and summary.kam_pages > 0

    metrics, cockpit = read_page((out / "index.html").read_text(encoding="utf-8"))
    for input_name in ("plan", "contacts", "service_requests", "users", "products"):
        assert metrics[f"delivered.{input_name}"] == "não entregue"
    for input_name in ("plan", "service_requests", "users"):
        assert not_delivered(input_name) in cockpit
    assert metrics["tier.key.accounts"]  # tiers come from invoice lines: always there
    # the publish's own reason for each empty mart is shown beside the inputs
    assert metrics["empty.objective_attainment"] and metrics["empty.dim_products"]

    account = next((out / "accounts").glob("*.html"))
    _, text = read_page(account.read_text(encoding="utf-8"))
    for input_name in ("plan", "contacts", "service_requests", "products"):
        assert not_delivered(input_name) in text, input_name
    assert PT("account.revenue.heading") in text

    kam = next((out / "kams").glob("*.html"))
    _, text = read_page(kam.read_text(encoding="utf-8"))
    assert not_delivered("plan") in text
