"""Load the raw Parquet files into real tables of a PostgreSQL raw schema (COPY, streamed in batches)."""

from __future__ import annotations

import io
import os
from pathlib import Path

from custseg import RAW_TABLES


def _pg_type(arrow_type) -> str:
    import pyarrow as pa

    if pa.types.is_timestamp(arrow_type):
        return "timestamp"
    if pa.types.is_date(arrow_type):
        return "date"
    if pa.types.is_integer(arrow_type):
        return "bigint"
    if pa.types.is_floating(arrow_type):
        return "double precision"
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    return "text"


def connect(**overrides):
    """Connection from the same environment variables as profiles.yml; keyword arguments win."""
    import psycopg2

    settings = {
        "host": os.environ.get("PGHOST", "127.0.0.1"),
        "port": int(os.environ.get("PGPORT", "5432")),
        "user": os.environ.get("PGUSER", "postgres"),
        "password": os.environ.get("PGPASSWORD", ""),
        "dbname": os.environ.get("PGDATABASE", "segmentation"),
    }
    settings.update(overrides)
    return psycopg2.connect(**settings)


def load_postgres(data_dir: Path, schema: str = "raw", batch_rows: int = 500_000, **connection) -> dict[str, int]:
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.dataset as ds

    counts: dict[str, int] = {}
    with connect(**connection) as con, con.cursor() as cur:
        cur.execute(f'create schema if not exists "{schema}"')
        for table in RAW_TABLES:
            folder = data_dir / table
            if not any(folder.glob("*.parquet")):
                raise FileNotFoundError(f"no Parquet files for raw table '{table}' in {folder}")
            try:
                dataset = ds.dataset(str(folder), format="parquet")
                columns = ", ".join(f'"{f.name}" {_pg_type(f.type)}' for f in dataset.schema)
                cur.execute(f'drop table if exists "{schema}"."{table}"')
                cur.execute(f'create table "{schema}"."{table}" ({columns})')
                names = ", ".join(f'"{f.name}"' for f in dataset.schema)
                for batch in dataset.to_batches(batch_size=batch_rows):
                    buffer = io.BytesIO()
                    # Nulls are written unquoted-empty and empty strings as "": COPY CSV keeps them apart.
                    pacsv.write_csv(batch, buffer, pacsv.WriteOptions(include_header=False, quoting_style="needed"))
                    buffer.seek(0)
                    cur.copy_expert(f'copy "{schema}"."{table}" ({names}) from stdin with (format csv)', buffer)
            except pa.ArrowException:
                from custseg.load import unreadable_parquet

                bad = unreadable_parquet(sorted(folder.glob("*.parquet")))
                if bad is not None:
                    raise bad from None
                raise
            cur.execute(f'select count(*) from "{schema}"."{table}"')
            counts[table] = cur.fetchone()[0]
        from custseg.erasure import ensure_table_postgres

        ensure_table_postgres(cur, schema)  # kept across loads: see custseg/erasure.py
    return counts
