"""The one exception the ingest raises to a person: its message says which file, where, and why."""

from __future__ import annotations


class IngestError(Exception):
    """A landing file (or a whole entity) could not be loaded.

    The message is written for the data engineer reading a failed run: it names the file, the line
    and column where that applies, and what was expected instead. It never carries personal data.
    """
