"""KAM warehouse: the Dagster code location and the plain-Python library it wires together."""
