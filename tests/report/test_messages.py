"""One message catalogue per language, complete, and no words written into the templates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from pipelines.lib import contract
from pipelines.lib.report import palette
from pipelines.lib.report.messages import Catalogue, MissingMessageError, load_messages
from pipelines.lib.report.render import TEMPLATES_DIR

REPORT_DIR = Path(TEMPLATES_DIR).parent
REPO = Path(__file__).resolve().parents[2]


def accepted_values(models_yml: str, model: str, column: str) -> tuple[str, ...]:
    """The values a mart column may hold, from its dbt test: a new status in the marts needs a
    label before a page can show it."""
    document = yaml.safe_load((REPO / "dbt_project" / "models" / models_yml).read_text())
    (found,) = [m for m in document["models"] if m["name"] == model]
    (spec,) = [c for c in found["columns"] if c["name"] == column]
    for test in spec.get("data_tests", []):
        if isinstance(test, dict) and "accepted_values" in test:
            arguments = test["accepted_values"].get("arguments", test["accepted_values"])
            return tuple(arguments["values"])
    raise AssertionError(f"{model}.{column} has no accepted_values test")


STATUS_GROUPS = {
    "pace": ("achieved", "on_track", "at_risk", "off_track", "not_measured"),
    "churn": accepted_values("marts/retention/_retention__models.yml", "account_churn", "status"),
    "workload": ("within", "under", "over"),
    "input": ("plan", "contacts", "service_requests", "users", "products", "invoice_lines"),
}
# Text a template may hold as it is: abbreviations read the same in both languages.
LANGUAGE_NEUTRAL = {"CNPJ", "NRR", "GRR", "PDF"}


def used_keys() -> set[str]:
    """Every literal key the templates and the page code ask the catalogue for."""
    keys = set()
    for path in [*TEMPLATES_DIR.glob("*.j2"), *REPORT_DIR.glob("*.py")]:
        text = path.read_text(encoding="utf-8")
        keys |= set(re.findall(r"""\bt(?:\.plural)?\(\s*['"]([a-z_.]+)['"]""", text))
        for group, value in re.findall(
            r"""\.label\(\s*['"]([a-z_]+)['"],\s*['"]([a-z_]+)['"]""", text
        ):
            keys.add(f"{group}.{value}")
    return keys


def test_both_languages_have_the_same_keys():
    assert set(load_messages("pt")) == set(load_messages("en"))


@pytest.mark.parametrize("lang", ["pt", "en"])
def test_every_key_the_pages_use_exists(lang):
    messages = load_messages(lang)
    plural_forms = {key.rsplit(".", 1)[0] for key in messages if key.endswith((".one", ".other"))}
    missing = sorted(key for key in used_keys() if key not in messages and key not in plural_forms)
    assert missing == []


@pytest.mark.parametrize("lang", ["pt", "en"])
def test_every_vocabulary_value_has_a_label(lang):
    t = Catalogue(lang)
    vocabularies = {
        "tier": contract.TIERS,
        "kpi": contract.KPIS,
        "role": contract.USER_ROLES,
        "role_short": contract.USER_ROLES,
        "decision_role": contract.DECISION_ROLES,
        "account_type": contract.ACCOUNT_TYPES,
        **STATUS_GROUPS,
    }
    for group, values in vocabularies.items():
        for value in values:
            assert t.label(group, value), f"{group}.{value}"
    assert set(palette.TIER_ORDER) == set(contract.TIERS)


def test_a_missing_key_is_an_error_naming_the_catalogue():
    with pytest.raises(MissingMessageError, match="pt.yml"):
        Catalogue("pt")("cockpit.no_such_heading")


def test_open_vocabularies_fall_back_to_readable_words():
    assert Catalogue("pt").open_label("product_category", "gene_therapy") == "Gene therapy"
    assert Catalogue("pt").open_label("product_category", "oncology") == "Oncologia"


def test_templates_hold_no_words_of_their_own():
    """Text between tags, once expressions are removed, is punctuation or a neutral abbreviation."""
    for path in TEMPLATES_DIR.glob("*.html.j2"):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"\{#.*?#\}", " ", text, flags=re.S)
        text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", " ", text, flags=re.S)
        text = re.sub(r"<style>.*?</style>", " ", text, flags=re.S)
        text = re.sub(r"<[^>]+>", " ", text)
        words = {word for word in re.findall(r"[A-Za-zÀ-ÿ]{2,}", text)} - LANGUAGE_NEUTRAL
        assert words == set(), f"{path.name} writes {sorted(words)} itself"
