#!/usr/bin/env bash
# A throwaway PostgreSQL server for the parity tests: Debian's package, our own cluster in a
# data folder, listening on 127.0.0.1 on a non-default port so it never meets a system server.
#
#   eval "$(bash .ci/postgres.sh)"     # starts it (or finds it running) and sets PG* variables
#
# Idempotent: a second call finds the running server and prints the same variables. Everything
# but the `export` line goes to stderr, so the output can be eval'ed. Stop it with
#   pg_ctl -D "$KAM_PG_DATA" stop   (as the owner of the folder; postgres when run as root).
set -euo pipefail

PORT="${KAM_PG_PORT:-55432}"
DATA="${KAM_PG_DATA:-${TMPDIR:-/tmp}/kam-postgres/data}"
ROLE="${KAM_PG_USER:-kam}"
PASSWORD="${KAM_PG_PASSWORD:-kam}"
DATABASE="${KAM_PG_DATABASE:-kam}"
RUN_DIR="$(dirname "$DATA")"

log() { echo "postgres.sh: $*" >&2; }

find_bindir() {
    local candidate
    for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$candidate/initdb" ]; then echo "$candidate"; return 0; fi
    done
    if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return 0; fi
    return 1
}

if ! BINDIR="$(find_bindir)"; then
    if [ "$(id -u)" -ne 0 ]; then
        log "PostgreSQL is not installed and this is not root: apt-get install -y postgresql"
        exit 1
    fi
    log "installing PostgreSQL from the Debian archive"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends postgresql >&2
    BINDIR="$(find_bindir)"
fi

# The server refuses to run as root: as root, the cluster belongs to the `postgres` user.
if [ "$(id -u)" -eq 0 ]; then
    OWNER=postgres
    as_owner() { runuser -u "$OWNER" -- "$@"; }
else
    OWNER="$(id -un)"
    as_owner() { "$@"; }
fi

mkdir -p "$RUN_DIR"
chown "$OWNER" "$RUN_DIR"

if [ ! -s "$DATA/PG_VERSION" ]; then
    log "initialising a cluster in $DATA"
    as_owner "$BINDIR/initdb" -D "$DATA" -U postgres --auth-local=trust \
        --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >&2
fi

if ! as_owner "$BINDIR/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    log "starting the server on 127.0.0.1:$PORT"
    as_owner "$BINDIR/pg_ctl" -D "$DATA" -l "$RUN_DIR/server.log" -w -t 60 start \
        -o "-p $PORT -k $RUN_DIR -c listen_addresses=127.0.0.1 -c fsync=off" >&2
fi

psql_admin() {
    as_owner "$BINDIR/psql" -h "$RUN_DIR" -p "$PORT" -U postgres -d postgres \
        -v ON_ERROR_STOP=1 -qtA "$@"
}

if [ "$(psql_admin -c "select 1 from pg_roles where rolname = '$ROLE'")" != "1" ]; then
    log "creating role $ROLE"
    psql_admin -c "create role \"$ROLE\" login createdb password '$PASSWORD'" >&2
fi
if [ "$(psql_admin -c "select 1 from pg_database where datname = '$DATABASE'")" != "1" ]; then
    log "creating database $DATABASE"
    psql_admin -c "create database \"$DATABASE\" owner \"$ROLE\"" >&2
fi

echo "export PGHOST=127.0.0.1 PGPORT=$PORT PGUSER=$ROLE PGPASSWORD=$PASSWORD PGDATABASE=$DATABASE"
