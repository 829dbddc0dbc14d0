"""The published file's storage format default, shared by the settings schema and publishing."""

# The oldest storage version DuckDB 2.0 writes that holds every type the marts use (VARCHAR,
# integers, DOUBLE, DECIMAL, DATE, TIMESTAMP, BOOLEAN), and the first of the stable format
# (database header version 64) that every release since 0.10, 1.0 and 1.1 reads. Earlier names are
# accepted by DuckDB but write the same format. See docs/decisions.md "Storage version".
DEFAULT_STORAGE_VERSION = "v0.10.0"
