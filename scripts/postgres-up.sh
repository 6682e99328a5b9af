#!/usr/bin/env bash
# Start a throw-away local PostgreSQL server for the project (127.0.0.1, $PGPORT or 5432),
# installing it with apt when missing, create the $PGDATABASE database and the readers' roles
# (scripts/postgres-roles.sql).
# Idempotent: a server already answering on the port is reused. Stop it with scripts/postgres-down.sh.
set -euo pipefail
PGPORT="${PGPORT:-5432}"
PGDATABASE="${PGDATABASE:-segmentation}"
PGROOT="${PGROOT:-/tmp/custseg-postgres-$PGPORT}"

if pg_isready -h 127.0.0.1 -p "$PGPORT" -q 2>/dev/null; then
    echo "postgres already running on 127.0.0.1:$PGPORT"
else
    BINDIR="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"
    if [ -z "$BINDIR" ] || [ ! -x "$BINDIR/initdb" ]; then
        echo "installing postgresql with apt"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
        BINDIR="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
    fi
    RUN=()
    if [ "$(id -u)" = "0" ]; then RUN=(runuser -u postgres --); fi
    mkdir -p "$PGROOT"
    [ "$(id -u)" = "0" ] && chown postgres:postgres "$PGROOT"
    if [ ! -f "$PGROOT/data/PG_VERSION" ]; then
        "${RUN[@]}" "$BINDIR/initdb" -D "$PGROOT/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    "${RUN[@]}" "$BINDIR/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/server.log" \
        -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PGROOT -c fsync=off -c synchronous_commit=off" -w start >/dev/null
    echo "postgres started on 127.0.0.1:$PGPORT (data in $PGROOT)"
fi
if ! psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -tAc "select 1 from pg_database where datname = '$PGDATABASE'" | grep -q 1; then
    psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d postgres -qc "create database \"$PGDATABASE\""
fi
psql -h 127.0.0.1 -p "$PGPORT" -U postgres -d "$PGDATABASE" -qf "$(dirname "$0")/postgres-roles.sql"
