"""One schema per layer of the project, on every engine (docs/privacy.md).

dbt puts each model in the schema of its layer (macros/generate_schema_name.sql); the tooling
finds tables through this module. ``DBT_SCHEMA_PREFIX`` (default empty) is prepended to every
layer schema, so that several builds can share one PostgreSQL database or Spark catalog.
"""

from __future__ import annotations

import os
from pathlib import Path

# In the order a reader's search path looks through them. `activation` holds the one
# restricted model with the personal fields activation needs (docs/privacy.md).
LAYERS = ("segments", "marts", "activation", "intermediate", "staging", "audit", "reference")
# The layers BI tools read: no direct identifiers (docs/privacy.md).
BI_LAYERS = ("marts", "segments")


def schema(layer: str) -> str:
    if layer not in LAYERS:
        raise ValueError(f"unknown layer {layer!r}; layers: {', '.join(LAYERS)}")
    return os.environ.get("DBT_SCHEMA_PREFIX", "") + layer


def search_path(layers: tuple[str, ...] = LAYERS) -> str:
    return ",".join(schema(layer) for layer in layers)


def connect_duckdb(path: str | Path, read_only: bool = False):
    """A DuckDB connection whose unqualified table names resolve through the layer schemas that
    exist in the file (DuckDB refuses a search path naming a missing schema), then `main`."""
    from custseg.durable import connect_duckdb as connect

    con = connect(Path(path), read_only=read_only)
    present = {
        row[0]
        for row in con.execute(
            "select schema_name from duckdb_schemas() where database_name = current_database()"
        ).fetchall()
    }
    path_schemas = [name for name in (schema(layer) for layer in LAYERS) if name in present]
    con.execute(f"set search_path = '{','.join([*path_schemas, 'main'])}'")
    return con
