"""Sample landing data for the KAM warehouse (`kam generate`).

A realistic Brazilian pharma KAM portfolio (accounts, sales force, CRM activity, daily invoice
files, the plan workbook) written in exactly the formats kam.yml declares, deterministic per seed,
with optional bad rows to exercise the quarantine.
"""

from pipelines.lib.sample_data.generate import GenerationSummary, generate_landing

__all__ = ["GenerationSummary", "generate_landing"]
