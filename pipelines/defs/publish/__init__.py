"""Audit the build and publish it for BI."""
