"""Erasure requests (docs/privacy.md, "Erasure").

`python -m custseg erase --contact-id ID | --email EMAIL` appends one row to the raw table
`privacy_erasure_requests` (in the raw schema, beside the user's raw tables). The next
`dbt build` leaves every row carrying the person's identifiers out of every model, deletes
their earlier rows from the incremental tables, and the next export tells each destination
to remove them. The raw rows themselves are the user's data: delete them at the source too.

Recording a request is atomic (one INSERT statement in one transaction) and idempotent (a
request with the same normalised contact id and email is not added twice). The loader
creates the (empty) table, and keeps the requests already recorded.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from custseg.durable import UserError

TABLE = "privacy_erasure_requests"
# (name, DuckDB / PostgreSQL type, Spark type), in the order of the sources YAML.
COLUMNS = (
    ("contact_id", "varchar", "string"),
    ("email", "varchar", "string"),
    ("requested_at", "timestamp", "timestamp"),
)
TARGETS = ("duckdb", "postgres", "spark")
# The shapes staging accepts (macros/staging_helpers.sql): what could never match is refused.
ID_PATTERN = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
EMAIL_PATTERN = re.compile(r"^[^@ ]+@[^@ ]+[.][^@ .]+$")


@dataclass(frozen=True)
class Request:
    contact_id: str | None
    email: str | None

    def describe(self) -> str:
        parts = []
        if self.contact_id:
            parts.append(f"contact id {self.contact_id}")
        if self.email:
            parts.append("an email address")
        return " and ".join(parts)


def normalise(contact_id: str | None, email: str | None) -> Request:
    """The request as staging would match it (ids trimmed, emails trimmed and lower-cased);
    UserError without any identifier or with one that could never match a staged row."""
    contact = (contact_id or "").strip() or None
    address = (email or "").strip().lower() or None
    if contact is None and address is None:
        raise UserError("erase needs --contact-id or --email (or both): nothing identifies the person")
    if contact is not None and not ID_PATTERN.match(contact):
        raise UserError(f"--contact-id {contact_id!r} is not an id (1 to 64 letters, digits, '_', '-' or '.')")
    if address is not None and not EMAIL_PATTERN.match(address):
        raise UserError("--email is not an email address (one '@', a dot in the domain, no spaces)")
    return Request(contact, address)


def _ddl(schema: str, spark: bool = False) -> str:
    columns = ", ".join(f"{name} {spark_type if spark else sql_type}" for name, sql_type, spark_type in COLUMNS)
    using = " using parquet" if spark else ""
    return f"create table if not exists {_quote(schema, spark)}.{_quote(TABLE, spark)} ({columns}){using}"


def _quote(name: str, spark: bool = False) -> str:
    return f"`{name}`" if spark else f'"{name}"'


# Insert unless the same request exists (null-safe comparison of both identifiers).
INSERT_SQL = """
insert into {table} (contact_id, email, requested_at)
select {p}, {p}, {p}
where not exists (
    select 1 from {table}
    where coalesce(contact_id, '') = coalesce({p}, '') and coalesce(email, '') = coalesce({p}, '')
)
"""


def ensure_table_duckdb(con, schema: str = "raw") -> None:
    con.execute(f'create schema if not exists "{schema}"')
    con.execute(_ddl(schema))


def ensure_table_postgres(cur, schema: str = "raw") -> None:
    cur.execute(f'create schema if not exists "{schema}"')
    cur.execute(_ddl(schema))


def ensure_table_spark(spark, schema: str = "raw") -> None:
    spark.sql(f"create database if not exists `{schema}`")
    spark.sql(_ddl(schema, spark=True))


def record_request(
    contact_id: str | None,
    email: str | None,
    target: str | None = None,
    database: Path | None = None,
    schema: str | None = None,
    now: datetime | None = None,
) -> tuple[Request, bool]:
    """Append an erasure request; returns (the normalised request, whether it was new)."""
    request = normalise(contact_id, email)
    target = target or os.environ.get("DBT_TARGET", "duckdb")
    schema = schema or os.environ.get("CUSTSEG_RAW_SCHEMA", "raw")
    requested_at = (now or datetime.now(UTC)).replace(tzinfo=None)
    values = (request.contact_id, request.email, requested_at, request.contact_id, request.email)
    if target == "duckdb":
        from custseg.durable import connect_duckdb
        from custseg.load import duckdb_path

        path = database or duckdb_path()
        if not path.exists():
            raise UserError(f"no DuckDB warehouse at {path}: run `python -m custseg load` first or set DBT_DUCKDB_PATH")
        with connect_duckdb(path) as con:
            ensure_table_duckdb(con, schema)
            before = con.execute(f'select count(*) from "{schema}"."{TABLE}"').fetchone()[0]
            con.execute(INSERT_SQL.format(table=f'"{schema}"."{TABLE}"', p="?"), list(values))
            added = con.execute(f'select count(*) from "{schema}"."{TABLE}"').fetchone()[0] > before
    elif target == "postgres":
        from custseg.load_postgres import connect

        with connect() as con, con.cursor() as cur:  # one transaction, committed on exit
            ensure_table_postgres(cur, schema)
            cur.execute(INSERT_SQL.format(table=f'"{schema}"."{TABLE}"', p="%s"), values)
            added = cur.rowcount > 0
    elif target == "spark":
        from custseg.spark import session

        spark = session()
        ensure_table_spark(spark, schema)
        table = f"`{schema}`.`{TABLE}`"
        exists = (
            spark.table(table)
            .where(
                f"coalesce(contact_id, '') = {_spark_literal(request.contact_id)} "
                f"and coalesce(email, '') = {_spark_literal(request.email)}"
            )
            .count()
        )
        added = exists == 0
        if added:  # one INSERT: a new Parquet file appears whole or not at all
            spark.sql(
                f"insert into {table} values ({_spark_value(request.contact_id)}, "
                f"{_spark_value(request.email)}, timestamp'{requested_at:%Y-%m-%d %H:%M:%S}')"
            )
    else:
        raise ValueError(f"erase supports targets {', '.join(TARGETS)}, got '{target}'")
    return request, added


def _spark_literal(value: str | None) -> str:
    return "''" if value is None else "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _spark_value(value: str | None) -> str:
    return "null" if value is None else _spark_literal(value)
