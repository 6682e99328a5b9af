"""Publish the BI-facing layers to a file readers can open while the next build runs.

DuckDB lets one process write a database file, and a `dbt build` holds that lock for its whole
run, so a BI tool cannot read the build's own file. `python -m custseg publish` (run by `make
build` after the build and the checkpoint passed) copies every table of the BI schemas (`marts`,
`segments`; no direct identifiers, see docs/privacy.md) with their table and column comments
into a new file, flushes it and renames it over `warehouse/bi.duckdb`: a reader sees the old
publication or the new one, never a mix, and keeps the copy it opened until it reconnects.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from custseg import layers
from custseg.durable import UserError, fault_point, fsync_dir, fsync_file, temp_name

FAULT_STEPS = (
    "publish:copied",  # the new file written and flushed under its temporary name
    "publish:done",  # renamed into place
)


def default_path(database: Path) -> Path:
    return database.with_name("bi.duckdb")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def publish_bi(database: Path, out: Path | None = None) -> dict[str, int]:
    """Copy the BI schemas of `database` into `out` (default bi.duckdb beside it), atomically.
    Returns the rows of every published table, keyed schema.table."""
    out = out or default_path(database)
    if not database.exists():
        raise FileNotFoundError(f"no DuckDB warehouse at {database}: run `make build` or set DBT_DUCKDB_PATH")
    schemas = [layers.schema(layer) for layer in layers.BI_LAYERS]
    temporary = temp_name(out)
    for stale in out.parent.glob(f".{out.name}.tmp-*"):  # left by a publication that was killed
        stale.unlink(missing_ok=True)
    rows: dict[str, int] = {}
    try:
        # An in-memory session attaching the warehouse read-only and the new file read-write.
        with duckdb.connect() as con:
            try:
                con.execute(f"attach {_literal(str(database))} as warehouse (read_only)")
            except duckdb.IOException as error:
                if "lock" in str(error).lower():
                    raise UserError(f"{database} is locked (a dbt build may be running): publish after it") from None
                raise
            tables = con.execute(
                "select schema_name, table_name, comment from duckdb_tables() "
                "where database_name = 'warehouse' and schema_name = any(?) order by 1, 2",
                [schemas],
            ).fetchall()
            missing = sorted(set(schemas) - {schema for schema, _, _ in tables})
            if missing:
                raise UserError(f"{database} has no tables in {', '.join(missing)}: run `make build` first")
            con.execute(f"attach {_literal(str(temporary))} as published")
            for schema in schemas:
                con.execute(f"create schema published.{_quote(schema)}")
            for schema, table, comment in tables:
                source = f"warehouse.{_quote(schema)}.{_quote(table)}"
                target = f"published.{_quote(schema)}.{_quote(table)}"
                con.execute(f"create table {target} as select * from {source}")
                if comment:
                    con.execute(f"comment on table {target} is {_literal(comment)}")
                columns = con.execute(
                    "select column_name, comment from duckdb_columns() where database_name = 'warehouse' "
                    "and schema_name = ? and table_name = ? and comment is not null",
                    [schema, table],
                ).fetchall()
                for column, text in columns:
                    con.execute(f"comment on column {target}.{_quote(column)} is {_literal(text)}")
                rows[f"{schema}.{table}"] = con.execute(f"select count(*) from {target}").fetchone()[0]
            con.execute("checkpoint published")
            con.execute("detach published")
        fsync_file(temporary)
        fault_point("publish:copied")
        os.replace(temporary, out)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_dir(out.parent)
    fault_point("publish:done")
    return rows
