"""Put the raw Parquet files into the raw schema of a dbt target.

DuckDB reads the files in place (one view per table, no copy; files are matched by column
name, so an export may leave out optional columns in some files). Other engines get
real tables with the same names and columns. Connection settings come from the
same environment variables as `profiles.yml`. The erasure requests table
(`privacy_erasure_requests`, custseg/erasure.py) is created when missing and never replaced:
requests recorded before a reload stay in force.
"""

from __future__ import annotations

import os
from pathlib import Path

from custseg import PROJECT_DIR, RAW_TABLES
from custseg.durable import UserError, connect_duckdb
from custseg.erasure import ensure_table_duckdb as ensure_erasure_table_duckdb


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


def unreadable_parquet(files: list[Path]) -> UserError | None:
    """The first file pyarrow cannot read (footer, schema and every row group), as a UserError."""
    import pyarrow.parquet as pq

    for file in files:
        try:
            with pq.ParquetFile(file) as parquet:
                for group in range(parquet.num_row_groups):
                    parquet.read_row_group(group)
        except Exception as error:  # pyarrow raises several types for a damaged file
            reason = (str(error).splitlines() or [type(error).__name__])[0]
            return UserError(f"Parquet file {file} is unreadable ({reason}): replace or remove it, then load again")
    return None


def load_duckdb(data_dir: Path, schema: str = "raw", path: Path | None = None) -> dict[str, int]:
    import duckdb

    path = path or duckdb_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with connect_duckdb(path) as con:
        con.execute(f'create schema if not exists "{schema}"')
        for table in RAW_TABLES:
            files = _table_files(data_dir, table).replace("'", "''")
            try:
                con.execute(
                    f'create or replace view "{schema}"."{table}" as '
                    f"select * from read_parquet('{files}', union_by_name = true)"
                )
                counts[table] = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
            except duckdb.Error as error:
                bad = unreadable_parquet(sorted((data_dir / table).glob("*.parquet")))
                if bad is not None:
                    raise bad from None
                raise UserError(f"raw table '{table}' cannot be read from {data_dir / table}: {error}") from None
        ensure_erasure_table_duckdb(con, schema)  # kept across loads: see custseg/erasure.py
    return counts
