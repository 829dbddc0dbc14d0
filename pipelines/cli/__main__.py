"""`python -m pipelines.cli`: the same as the `kam` command."""

from pipelines.cli.main import entry_point

entry_point()
