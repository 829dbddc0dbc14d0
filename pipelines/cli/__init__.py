"""The `kam` command line: generate, run, status, dev, docs, rollback."""

from pipelines.cli.main import main

__all__ = ["main"]
