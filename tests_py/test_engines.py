"""The same tiny sample built on DuckDB, PostgreSQL and Apache Spark gives the same tables.

Every model materialized as a table or incremental table (found in the dbt manifest, so new
models are covered when they land) is read from the three engines, sorted by all columns and
compared row by row: numbers within 1e-9 relative, timestamps, dates and booleans as Python
values. PostgreSQL and Spark build through `python -m custseg build` (the CLV fit runs in the
CLI between the two dbt steps); DuckDB fits in its dbt Python model.

The Spark build runs in the background from the start of the test session (conftest.py,
SparkBuild) and these tests run last. Reading its tables, and the incremental test's dbt runs,
happen in this process afterwards (dbt-spark's session mode reuses the process's Spark session;
the embedded Derby metastore admits one process at a time).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest

from conftest import AS_OF, PG_CONNECTION
from custseg import PROJECT_DIR
from custseg.layers import connect_duckdb

pytestmark = pytest.mark.slow

RELATIVE_TOLERANCE = 1e-9
# Columns that record when a run happened, not what it computed.
RUN_TIME_COLUMNS = {"fitted_at"}
# Columns that hold SQL for the engine itself (relation names, type names): compared by running
# them (test_catalog_rule_sql_reproduces_membership_on_every_engine), not as text.
ENGINE_SQL_COLUMNS = {"rule_sql"}
DEFAULT_SCHEMA = {"duckdb": "main", "postgres": "analytics", "spark": "analytics"}


# --------------------------------------------------------------------------- Spark in this process


@contextmanager
def environment(env: dict[str, str]) -> Iterator[None]:
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def run_dbt_in_process(args: list[str], env: dict[str, str]) -> tuple[bool, dict[str, str]]:
    """dbt in this process (it reuses the Spark session); returns success and node statuses."""
    from dbt.cli.main import dbtRunner

    with environment(env):
        result = dbtRunner().invoke(args, project_dir=str(PROJECT_DIR))
    statuses = {}
    if result.result is not None and hasattr(result.result, "results"):
        statuses = {r.node.unique_id: str(r.status) for r in result.result.results}
    return result.success, statuses


# --------------------------------------------------------------------------- reading tables


def compared_models(manifest_path: Path) -> list[tuple[str, str | None]]:
    """(name, custom schema) of every enabled model materialized as a table or incremental."""
    manifest = json.loads(manifest_path.read_text())
    models = []
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node["config"].get("materialized") not in ("table", "incremental"):
            continue
        models.append((node.get("alias") or node["name"], node["config"].get("schema")))
    return sorted(models)


def normalise(value: object) -> object:
    """Comparable Python values: numbers as float, timestamps naive UTC, NaN and NaT as None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float, Decimal)):
        number = float(value)
        return None if math.isnan(number) else number
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value
    if hasattr(value, "item"):  # numpy scalars
        return normalise(value.item())
    return value


def sort_key(row: tuple) -> tuple:
    """Rows sorted by every column; floats rounded so last-bit differences do not reorder."""
    key = []
    for value in row:
        if value is None:
            key.append((0, ""))
        elif isinstance(value, float):
            key.append((1, f"{value:.8e}"))
        else:
            key.append((2, repr(value)))
    return tuple(key)


def read_duckdb(database: Path, schema: str, table: str) -> tuple[list[str], list[tuple]]:
    with connect_duckdb(database, read_only=True) as con:
        cursor = con.execute(f'select * from "{schema}"."{table}"')
        return [d[0] for d in cursor.description], cursor.fetchall()


def read_postgres(schema: str, table: str) -> tuple[list[str], list[tuple]]:
    from custseg.load_postgres import connect

    with connect(**PG_CONNECTION) as con, con.cursor() as cur:
        cur.execute(f'select * from "{schema}"."{table}"')
        return [d.name for d in cur.description], cur.fetchall()


def read_spark(schema: str, table: str) -> tuple[list[str], list[tuple]]:
    from custseg.spark import session

    frame = session().table(f"`{schema}`.`{table}`")
    # timestamp_ntz: the session's UTC wall clock, not shifted to this process's time zone.
    columns = [
        f"cast(`{f.name}` as timestamp_ntz) as `{f.name}`" if f.dataType.typeName() == "timestamp" else f"`{f.name}`"
        for f in frame.schema.fields
    ]
    rows = frame.selectExpr(*columns).collect()
    return list(frame.columns), [tuple(row) for row in rows]


def table_rows(columns: list[str], rows: list[tuple]) -> tuple[list[str], list[tuple]]:
    """Columns in name order (run-time columns dropped), rows normalised and sorted."""
    keep = sorted(c for c in columns if c not in RUN_TIME_COLUMNS | ENGINE_SQL_COLUMNS)
    positions = [columns.index(c) for c in keep]
    normalised = [tuple(normalise(row[i]) for i in positions) for row in rows]
    return keep, sorted(normalised, key=sort_key)


def values_equal(left: object, right: object) -> bool:
    if isinstance(left, float) and isinstance(right, float):
        return math.isclose(left, right, rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-12)
    return left == right


def differences(table: str, engine: str, reference: tuple, other: tuple) -> list[str]:
    """Readable differences between DuckDB's rows (`reference`) and another engine's."""
    (ref_columns, ref_rows), (columns, rows) = reference, other
    if ref_columns != columns:
        missing, extra = sorted(set(ref_columns) - set(columns)), sorted(set(columns) - set(ref_columns))
        return [f"{table}: columns differ on {engine}: missing {missing}, extra {extra}"]
    problems = []
    if len(ref_rows) != len(rows):
        problems.append(f"{table}: {len(ref_rows)} rows on duckdb, {len(rows)} on {engine}")
    for number, (left, right) in enumerate(zip(ref_rows, rows, strict=False)):
        unequal = [c for c, a, b in zip(ref_columns, left, right, strict=True) if not values_equal(a, b)]
        if unequal:
            detail = ", ".join(
                f"{c}: duckdb={left[ref_columns.index(c)]!r} {engine}={right[ref_columns.index(c)]!r}"
                for c in unequal[:6]
            )
            problems.append(f"{table}: sorted row {number} differs on {engine}: {detail}")
            break
    return problems


# --------------------------------------------------------------------------- tests


def test_spark_build_passes(spark_built: dict) -> None:
    """generate, load --target spark and build --target spark (both dbt steps and the CLI fit),
    every unit test of the project included."""
    log = spark_built["log"]
    assert spark_built["returncode"] == 0, log[-6000:]
    assert log.count("Completed successfully") == 2, log[-6000:]
    manifest = json.loads((Path(spark_built["env"]["DBT_TARGET_PATH"]) / "manifest.json").read_text())
    finished = [line for line in log.splitlines() if "Finished running" in line]
    unit_tests_run = sum(int(n) for line in finished for n in re.findall(r"(\d+) unit tests?\b", line))
    assert unit_tests_run == len(manifest["unit_tests"]) > 50, finished


def test_engines_give_identical_tables(built: dict, pg_built: dict, spark_built: dict) -> None:
    """Tables missing on an engine (a failed model) are reported by the build tests and listed
    here; every table that exists on all three engines is compared."""
    models = compared_models(built["workdir"] / "target" / "manifest.json")
    assert len(models) > 20
    problems: list[str] = []
    missing: list[str] = []
    non_empty = 0
    for name, custom_schema in models:
        reference = table_rows(*read_duckdb(built["db"], custom_schema or DEFAULT_SCHEMA["duckdb"], name))
        non_empty += bool(reference[1])
        for engine, reader in (("postgres", read_postgres), ("spark", read_spark)):
            try:
                with environment(spark_built["env"]) if engine == "spark" else _nothing():
                    other = table_rows(*reader(custom_schema or DEFAULT_SCHEMA[engine], name))
            except Exception as error:  # the engine's "table not found"
                missing.append(f"{name} on {engine}: {str(error).splitlines()[0][:200]}")
                continue
            problems.extend(differences(name, engine, reference, other))
    assert not problems, "\n".join(problems + missing)
    assert not missing, "tables not built:\n" + "\n".join(missing)
    assert non_empty >= len(models) - 3, "most compared tables should hold rows on the sample"


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def _postgres_rows(sql: str) -> list[tuple]:
    from custseg.load_postgres import connect

    with connect(**PG_CONNECTION) as con, con.cursor() as cur:
        cur.execute(sql)
        return cur.fetchall()


def test_catalog_rule_sql_reproduces_membership_on_every_engine(built: dict, pg_built: dict, spark_built: dict) -> None:
    """segment_catalog.rule_sql is each engine's own SQL: run there, it gives the members that
    segment_membership holds on DuckDB."""
    from custseg.spark import session

    with connect_duckdb(built["db"], read_only=True) as con:
        expected: dict[str, set] = {}
        for segment_id, entity_id in con.execute("select segment_id, entity_id from segment_membership").fetchall():
            expected.setdefault(segment_id, set()).add(entity_id)
        segment_ids = [row[0] for row in con.execute("select segment_id from segment_catalog").fetchall()]
        # Deleted contacts are left out of every segment on top of its rule.
        deleted = {row[0] for row in con.execute("select contact_id from contact_profile where is_deleted").fetchall()}
    catalog = "select segment_id, rule_sql from {schema}.segment_catalog"
    with environment(spark_built["env"]):
        spark = session()
        spark_rules = dict(spark.sql(catalog.format(schema="segments")).collect())
        problems = [
            f"{segment_id} on spark"
            for segment_id, rule_sql in spark_rules.items()
            if {row[0] for row in spark.sql(f"select entity_id from ({rule_sql}) as rule").collect()} - deleted
            != expected.get(segment_id, set())
        ]
    postgres_rules = dict(_postgres_rows(catalog.format(schema="segments")))
    problems += [
        f"{segment_id} on postgres"
        for segment_id, rule_sql in postgres_rules.items()
        if {row[0] for row in _postgres_rows(f"select entity_id from ({rule_sql}) as rule")} - deleted
        != expected.get(segment_id, set())
    ]
    assert sorted(spark_rules) == sorted(postgres_rules) == sorted(segment_ids)
    assert not problems, problems


# --------------------------------------------------------------------------- Spark incremental


def _spark_events_table(schema: str, rows: list[tuple]) -> None:
    from custseg.spark import session

    spark = session()
    spark.sql(f"create database if not exists `{schema}`")
    ddl = (
        "event_id string, occurred_at string, received_at string, contact_id string, email string, "
        "anonymous_id string, event_type string, properties string"
    )
    frame = spark.createDataFrame(rows, schema=ddl).selectExpr(
        "event_id",
        "cast(occurred_at as timestamp) as occurred_at",
        "cast(received_at as timestamp) as received_at",
        "contact_id",
        "email",
        "anonymous_id",
        "event_type",
        "properties",
    )
    frame.write.mode("overwrite").format("parquet").saveAsTable(f"`{schema}`.`events`")


def _spark_contacts_table(prefix: str) -> None:
    from test_events_incremental import CONTACTS

    from custseg.spark import session

    spark = session()
    schema = f"{prefix}staging"
    spark.sql(f"create database if not exists `{schema}`")
    frame = spark.createDataFrame(CONTACTS, schema="contact_id string, account_id string, email_normalized string")
    frame.write.mode("overwrite").format("parquet").saveAsTable(f"`{schema}`.`stg_crm__contacts`")


def test_spark_incremental_equals_full_refresh(spark_built: dict) -> None:
    """The events models on Spark (insert_overwrite by partition): load 1, load 1 + 2, a rerun
    without new rows, against a full refresh over load 1 + 2 (the rows of
    test_events_incremental.py, which proves the same on DuckDB)."""
    from test_events_incremental import LOAD_1, LOAD_2, MODELS, TABLES

    spark_env = spark_built["env"]
    # Two builds side by side in one catalog, each under its own schema prefix.
    raw_schema, incremental, full = "inc_raw", "inc_incremental_", "inc_full_"
    dbt_vars = f"{{as_of_date: '{AS_OF}', raw_schema: {raw_schema}}}"

    def run(prefix: str, *extra: str) -> None:
        ok, statuses = run_dbt_in_process(
            ["run", "--select", *MODELS, "--vars", dbt_vars, *extra], {**spark_env, "DBT_SCHEMA_PREFIX": prefix}
        )
        assert ok, statuses

    def snapshot(prefix: str) -> dict[str, tuple]:
        def layer(table: str) -> str:
            if table == "stg_events__events_rejected":
                return "audit"
            return "intermediate" if table.startswith("int_") else "staging"

        with environment(spark_env):
            return {table: table_rows(*read_spark(prefix + layer(table), table)) for table in TABLES}

    with environment(spark_env):
        _spark_events_table(raw_schema, LOAD_1)
        _spark_contacts_table(incremental)
        _spark_contacts_table(full)
    run(incremental, "--full-refresh")
    with environment(spark_env):
        _spark_events_table(raw_schema, LOAD_1 + LOAD_2)
    run(incremental)
    after_load_2 = snapshot(incremental)
    run(incremental)
    assert snapshot(incremental) == after_load_2, "a rerun without new raw rows changed the tables"
    run(full, "--full-refresh")
    refreshed = snapshot(full)
    for table in TABLES:
        assert after_load_2[table] == refreshed[table], f"{table}: incremental differs from full refresh"
    staged, rejected = (len(after_load_2[table][1]) for table in ("stg_events__events", "stg_events__events_rejected"))
    assert staged + rejected == len(LOAD_1) + len(LOAD_2)
    assert staged == 10


# Last in this file: it changes the shared Spark catalog (an erasure request, then a rebuild).
def test_erasure_on_spark(spark_built: dict) -> None:
    """Erasure on Spark (docs/privacy.md): a contact with events and segment-log rows is erased
    with `record_request` (what `custseg erase --target spark` runs), `dbt run` on a later as-of
    date rewrites the partitions of the incremental tables; their id and email are then in no
    table outside raw, and the accounting balances with the erased rows counted."""
    from custseg.erasure import record_request
    from custseg.spark import session

    env = spark_built["env"]
    schemas = ("staging", "audit", "intermediate", "marts", "segments", "activation")
    with environment(env):
        spark = session()
        contact_id, email = spark.sql(
            "select p.contact_id, p.email from activation.activation_contacts as p "
            "where p.email is not null "
            "and exists (select 1 from staging.base_events__events as e where e.contact_id = p.contact_id) "
            "and exists (select 1 from segments.segment_membership_daily as m where m.entity_id = p.contact_id) "
            "order by p.contact_id limit 1"
        ).first()
        _, added = record_request(contact_id, None, target="spark")
        assert added
    ok, statuses = run_dbt_in_process(["run", "--vars", "{as_of_date: '2026-07-01'}"], env)
    assert ok, {uid: status for uid, status in statuses.items() if status != "success"}
    hits = []
    with environment(env):
        spark = session()
        for schema in schemas:
            for row in spark.sql(f"show tables in `{schema}`").collect():
                if row.isTemporary:  # dbt's session views (`__dbt_tmp`), listed in every schema
                    continue
                table = f"`{schema}`.`{row.tableName}`"
                columns = [f"lower(cast(`{c.name}` as string))" for c in spark.table(table).schema.fields]
                text = f"concat_ws('|', {', '.join(columns)})"
                found = spark.sql(
                    f"select count(*) from {table} where instr({text}, '{contact_id.lower()}') > 0 "
                    f"or instr({text}, '{email.lower()}') > 0"
                ).first()[0]
                if found:
                    hits.append((table, found))
        dates = spark.sql("select count(distinct as_of_date) from segments.segment_membership_daily").first()[0]
        accounting = {
            r.raw_table: (r.erased_rows, r.unaccounted_rows)
            for r in spark.sql("select * from audit.staging_row_accounting").collect()
        }
    assert hits == []
    assert dates == 2, "the log should keep the earlier as-of date, without the person"
    assert all(unaccounted == 0 for _, unaccounted in accounting.values()), accounting
    assert accounting["crm_contacts"][0] == 1 and accounting["events"][0] > 0, accounting
