#!/usr/bin/env bash
# Stop the server started by scripts/postgres-up.sh (and remove its data unless KEEP=1).
set -euo pipefail
PGPORT="${PGPORT:-5432}"
PGROOT="${PGROOT:-/tmp/custseg-postgres-$PGPORT}"
[ -f "$PGROOT/data/PG_VERSION" ] || exit 0
BINDIR="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
RUN=()
if [ "$(id -u)" = "0" ]; then RUN=(runuser -u postgres --); fi
"${RUN[@]}" "$BINDIR/pg_ctl" -D "$PGROOT/data" -m fast -w stop >/dev/null || true
[ "${KEEP:-0}" = "1" ] || rm -rf "$PGROOT"
