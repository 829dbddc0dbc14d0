"""Read what a review-pack page shows: the text of marked figures, tables, every visible word."""

from __future__ import annotations

import re
from html.parser import HTMLParser

VOID_ELEMENTS = {"br", "meta", "link", "img", "input", "hr", "circle", "line", "rect", "polyline"}


class _PageReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.metrics: dict[str, str] = {}
        self.tables: dict[str, list[dict[str, str]]] = {}
        self.text_parts: list[str] = []
        self._open: list[tuple[str, str | None, list[str]]] = []  # tag, metric, text
        self._skip = 0  # inside <style>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "style":
            self._skip += 1
        if tag in VOID_ELEMENTS:
            return
        self._open.append((tag, dict(attrs).get("data-metric"), []))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        return

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._skip -= 1
        if tag in VOID_ELEMENTS:
            return
        while self._open:
            open_tag, metric, text = self._open.pop()
            if metric is not None:
                self.metrics[metric] = normalise("".join(text))
            if self._open:
                self._open[-1][2].extend(text)
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.text_parts.append(data)
        if self._open:
            self._open[-1][2].append(data)


def normalise(text: str) -> str:
    """Whitespace as a reader sees it: runs of spaces (and no-break spaces) as one space."""
    return re.sub(r"\s+", " ", text.replace("\xa0", " ").replace("\u202f", " ")).strip()


def read_page(html: str) -> tuple[dict[str, str], str]:
    """(figures by their `data-metric` name, all visible text)."""
    reader = _PageReader()
    reader.feed(html)
    reader.close()
    return reader.metrics, normalise(" ".join(reader.text_parts))
