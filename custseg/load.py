"""Put the raw Parquet files into the raw schema of a dbt target.

DuckDB reads the files in place (one view per table, no copy). Other engines get
real tables with the same names and columns. Connection settings come from the
same environment variables as `profiles.yml`.
"""

from __future__ import annotations

import os
from pathlib import Path

from custseg import PROJECT_DIR, RAW_TABLES


def duckdb_path() -> Path:
    path = Path(os.environ.get("DBT_DUCKDB_PATH", "warehouse/segmentation.duckdb"))
    return path if path.is_absolute() else PROJECT_DIR / path


def _table_files(data_dir: Path, table: str) -> str:
    folder = data_dir / table
    if not any(folder.glob("*.parquet")):
        raise FileNotFoundError(
            f"no Parquet files for raw table '{table}' in {folder}: run `python -m custseg generate` "
            "or export your own files there (see the raw input contract in README.md)"
        )
    return str(folder.resolve() / "*.parquet")


def load(target: str | None, data_dir: Path, schema: str = "raw") -> dict[str, int]:
    target = target or os.environ.get("DBT_TARGET", "duckdb")
    if target == "duckdb":
        return load_duckdb(data_dir, schema)
    if target == "postgres":
        from custseg.load_postgres import load_postgres

        return load_postgres(data_dir, schema)
    if target == "spark":
        from custseg.spark import load_spark

        return load_spark(data_dir, schema)
    raise ValueError(f"no loader for target '{target}': expected duckdb, postgres or spark")


def load_duckdb(data_dir: Path, schema: str = "raw", path: Path | None = None) -> dict[str, int]:
    import duckdb

    path = path or duckdb_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with duckdb.connect(str(path)) as con:
        con.execute(f'create schema if not exists "{schema}"')
        for table in RAW_TABLES:
            files = _table_files(data_dir, table).replace("'", "''")
            con.execute(f"create or replace view \"{schema}\".\"{table}\" as select * from read_parquet('{files}')")
            counts[table] = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
    return counts
