"""The pack's words, one catalogue per language (messages/pt.yml, messages/en.yml).

Templates and sentence builders ask for a key (`t("cockpit.title")`); no label is written in a
template. A missing key is an error, never a silent fallback to the key's name: a pack in
Portuguese with one heading in English would look unfinished. Only open vocabularies (account
types and product categories configured per company) fall back to a readable form of the raw
value when the catalogue has no label for it.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

MESSAGES_DIR = Path(__file__).with_name("messages")
LANGUAGES = ("pt", "en")


class MissingMessageError(KeyError):
    """A key asked for by a page is not in the language's catalogue."""


class Catalogue:
    def __init__(self, lang: str) -> None:
        if lang not in LANGUAGES:
            raise ValueError(f"language {lang!r}: expected one of {', '.join(LANGUAGES)}")
        self.lang = lang
        self.messages = load_messages(lang)

    def __call__(self, key: str, **params: Any) -> str:
        try:
            template = self.messages[key]
        except KeyError:
            raise MissingMessageError(
                f"message {key!r} is missing from {MESSAGES_DIR / (self.lang + '.yml')}"
            ) from None
        return template.format(**params) if params else template

    def plural(self, key: str, count: float | None, **params: Any) -> str:
        """`key.one` for a count of exactly one, else `key.other` (both languages need no more)."""
        form = "one" if count is not None and round(count) == 1 else "other"
        return self(f"{key}.{form}", **params)

    def label(self, group: str, value: str | None) -> str:
        """The label of a vocabulary value (`tier.key`, `kpi.net_revenue`)."""
        if value is None:
            return self("common.none")
        return self(f"{group}.{value}")

    def open_label(self, group: str, value: str | None) -> str:
        """Like `label` for vocabularies a company configures: unknown values read as words."""
        if value is None:
            return self("common.none")
        key = f"{group}.{value}"
        if key in self.messages:
            return self.messages[key]
        return value.replace("_", " ").strip().capitalize()


@cache
def load_messages(lang: str) -> dict[str, str]:
    """The catalogue as flat dotted keys: `{"cockpit": {"title": ...}}` -> `cockpit.title`."""
    path = MESSAGES_DIR / f"{lang}.yml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    flat: dict[str, str] = {}

    def walk(prefix: str, node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(f"{prefix}.{key}" if prefix else str(key), value)
        else:
            flat[prefix] = str(node)

    walk("", raw)
    return flat
