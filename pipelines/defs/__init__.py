"""Dagster wiring: assets, checks, jobs and schedules built from `pipelines.lib`."""
