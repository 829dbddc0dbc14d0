"""The `kam` command line: generate, run, status, dev, docs, rollback."""

from pipelines.cli.main import entry_point, main

__all__ = ["entry_point", "main"]
