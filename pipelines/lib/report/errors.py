"""Errors the review pack reports to a person: each says what is wrong and what to do."""

from __future__ import annotations


class ReportError(RuntimeError):
    """The pack cannot be built as asked; nothing was written to the output folder."""


class BrowserMissingError(ReportError):
    """PDFs were asked for and no Chromium was found to print them."""
