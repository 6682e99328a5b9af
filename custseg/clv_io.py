"""Warehouse I/O for the CLV fit on engines without dbt Python models.

`python -m custseg clv fit --target X` reads `int_contacts__clv_summary`, fits with
custseg.clv.fit_parameters (the code the DuckDB Python model runs) and writes one row per fit to
`clv_parameters_fit` (declared as the dbt source `clv.clv_parameters_fit`, read by the SQL
variant of `clv_parameters`). Each engine needs a reader and a writer: add a pair of small
functions and an entry in READERS / WRITERS (e.g. Spark).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from custseg import PROJECT_DIR, layers
from custseg.clv import MODEL_BGNBD, PARAMETER_COLUMNS, MinimumData, fit_parameters

FIT_TABLE = "clv_parameters_fit"
SUMMARY_MODEL = "int_contacts__clv_summary"
TRANSACTIONS_MODEL = "int_orders__clv_transactions"
ORDERS_MODEL = "int_orders__net_revenue"

# Column types of clv_parameters_fit (ANSI names understood by DuckDB and PostgreSQL).
FIT_TABLE_TYPES = {
    "fit_id": "varchar(64)",
    "as_of_date": "date",
    "time_unit_days": "double precision",
    **{name: "double precision" for name in ("r", "alpha", "a", "b", "p", "q", "v")},
    "n_customers": "bigint",
    "n_repeaters": "bigint",
    "n_monetary_repeaters": "bigint",
    "bgnbd_log_likelihood": "double precision",
    "gamma_gamma_log_likelihood": "double precision",
    "converged": "boolean",
    "status": "varchar(32)",
    "message": "varchar(1000)",
    "fitted_at": "timestamp",
    **{
        name: "double precision"
        for name in ("pnbd_r", "pnbd_alpha", "pnbd_s", "pnbd_beta", "pareto_nbd_log_likelihood")
    },
    "clv_model": "varchar(32)",
    "clv_model_setting": "varchar(32)",
    "selection_reason": "varchar(1000)",
    "holdout_split_date": "date",
    "holdout_customers": "bigint",
    **{
        name: "double precision"
        for name in (
            "holdout_actual_purchases",
            "holdout_bgnbd_purchases",
            "holdout_pareto_nbd_purchases",
            "holdout_bgnbd_mae",
            "holdout_pareto_nbd_mae",
        )
    },
}


def project_vars() -> dict:
    """The vars of dbt_project.yml (defaults of the CLV settings)."""
    import yaml

    with open(PROJECT_DIR / "dbt_project.yml") as handle:
        return yaml.safe_load(handle).get("vars", {})


def minimum_data_from_vars(overrides: dict | None = None) -> MinimumData:
    values = {**project_vars(), **(overrides or {})}
    return MinimumData(
        min_customers=int(values["clv_min_customers"]),
        min_repeat_customers=int(values["clv_min_repeat_customers"]),
        min_monetary_repeaters=int(values["clv_min_monetary_repeaters"]),
    )


def model_selection_from_vars(overrides: dict | None = None) -> tuple[str, float]:
    """(clv_model, clv_holdout_share) from the project vars and dbt --vars overrides."""
    values = {**project_vars(), **(overrides or {})}
    return str(values.get("clv_model", MODEL_BGNBD)), float(values.get("clv_holdout_share", 0.25))


def fit_schema() -> str:
    """Where clv_parameters_fit goes: var clv_fit_schema, else the marts schema (the dbt source
    `clv` reads the same place)."""
    return project_vars().get("clv_fit_schema") or layers.schema("marts")


# --------------------------------------------------------------------------- DuckDB


def _duckdb_read(schema: str, table: str) -> pd.DataFrame:
    from custseg.durable import connect_duckdb
    from custseg.load import duckdb_path

    with connect_duckdb(duckdb_path(), read_only=True) as con:
        return con.execute(f'select * from "{schema}"."{table}"').df()


def _duckdb_write(schema: str, frame: pd.DataFrame) -> None:
    from custseg.durable import connect_duckdb
    from custseg.load import duckdb_path

    with connect_duckdb(duckdb_path()) as con:
        con.execute(f'create schema if not exists "{schema}"')
        con.execute(_create_fit_table_sql(schema))
        for statement in _add_column_sql(schema):
            con.execute(statement)
        con.execute(f'delete from "{schema}"."{FIT_TABLE}" where fit_id = ?', [frame["fit_id"].iloc[0]])
        con.register("new_fit", frame)
        con.execute(f'insert into "{schema}"."{FIT_TABLE}" select {_column_list()} from new_fit')
        con.unregister("new_fit")


# --------------------------------------------------------------------------- PostgreSQL


def _postgres_read(schema: str, table: str) -> pd.DataFrame:
    from custseg.load_postgres import connect

    with connect() as con, con.cursor() as cur:
        cur.execute(f'select * from "{schema}"."{table}"')
        names = [column.name for column in cur.description]
        return pd.DataFrame(cur.fetchall(), columns=names)


def _postgres_write(schema: str, frame: pd.DataFrame) -> None:
    from custseg.load_postgres import connect

    row = [_python_value(value) for value in frame.iloc[0][PARAMETER_COLUMNS]]
    placeholders = ", ".join(["%s"] * len(PARAMETER_COLUMNS))
    with connect() as con, con.cursor() as cur:
        cur.execute(f'create schema if not exists "{schema}"')
        cur.execute(_create_fit_table_sql(schema))
        for statement in _add_column_sql(schema):
            cur.execute(statement)
        cur.execute(f'delete from "{schema}"."{FIT_TABLE}" where fit_id = %s', [row[0]])
        cur.execute(f'insert into "{schema}"."{FIT_TABLE}" ({_column_list()}) values ({placeholders})', row)


def _python_value(value: object) -> object:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


# --------------------------------------------------------------------------- shared


def _column_list() -> str:
    return ", ".join(f'"{name}"' for name in PARAMETER_COLUMNS)


def _add_column_sql(schema: str) -> list[str]:
    """A fit table created by an earlier version gains the columns added since (at the end)."""
    return [
        f'alter table "{schema}"."{FIT_TABLE}" add column if not exists "{name}" {FIT_TABLE_TYPES[name]}'
        for name in PARAMETER_COLUMNS
    ]


def _create_fit_table_sql(schema: str) -> str:
    columns = ", ".join(f'"{name}" {FIT_TABLE_TYPES[name]}' for name in PARAMETER_COLUMNS)
    return f'create table if not exists "{schema}"."{FIT_TABLE}" ({columns})'


# --------------------------------------------------------------------------- Spark


def _spark_read(schema: str, table: str) -> pd.DataFrame:
    from custseg.spark import read_table

    return read_table(schema, table)


def _spark_write(schema: str, frame: pd.DataFrame) -> None:
    from custseg.spark import write_fit_row

    write_fit_row(schema, FIT_TABLE, frame, FIT_TABLE_TYPES)


READERS: dict[str, Callable[[str, str], pd.DataFrame]] = {
    "duckdb": _duckdb_read,
    "postgres": _postgres_read,
    "spark": _spark_read,
}
WRITERS: dict[str, Callable[[str, pd.DataFrame], None]] = {
    "duckdb": _duckdb_write,
    "postgres": _postgres_write,
    "spark": _spark_write,
}


def read_model(target: str, table: str) -> pd.DataFrame:
    """An intermediate model (the CLV summary or transactions) of the built warehouse."""
    if target not in READERS:
        raise ValueError(f"no CLV reader/writer for target '{target}': expected one of {sorted(READERS)}")
    schema = layers.schema("intermediate")
    try:
        return READERS[target](schema, table)
    except Exception as error:  # engine-specific "table not found" errors
        if "does not exist" in str(error) or "Catalog Error" in str(error):
            raise FileNotFoundError(
                f"table {schema}.{table} not found on {target}: build it first (dbt build -s +{table})"
            ) from error
        raise


def fit_and_write(
    target: str,
    schema: str | None = None,
    as_of: str | None = None,
    rules: MinimumData | None = None,
    overrides: dict | None = None,
) -> pd.DataFrame:
    """Fit on the warehouse's summary table and write the parameters row. Returns the row.
    `overrides`: dbt --vars of the build (clv_model, clv_holdout_share, minimum-data rules).
    `schema`: where to write clv_parameters_fit (default fit_schema())."""
    summary = read_model(target, SUMMARY_MODEL)
    clv_model, holdout_share = model_selection_from_vars(overrides)
    transactions = None
    if clv_model == "auto":
        transactions = read_model(target, TRANSACTIONS_MODEL)
        transactions["transaction_value"] = pd.to_numeric(transactions["transaction_value"]).astype("float64")
    settings = project_vars()
    if len(summary):
        as_of = as_of or str(summary["as_of_date"].iloc[0])[:10]
        time_unit_days = float(summary["time_unit_days"].iloc[0])
    else:
        as_of = as_of or datetime.now(UTC).strftime("%Y-%m-%d")
        time_unit_days = float(settings["clv_time_unit_days"])
    for name in ("frequency", "recency", "t", "monetary_value", "monetary_frequency"):
        summary[name] = pd.to_numeric(summary[name], errors="coerce").astype("float64")
    frame = fit_parameters(
        summary,
        as_of,
        time_unit_days,
        rules or minimum_data_from_vars(overrides),
        clv_model=clv_model,
        transactions=transactions,
        holdout_share=holdout_share,
    )
    WRITERS[target](schema or fit_schema(), frame)
    return frame


# --------------------------------------------------------------------------- orchestration


def build_steps(target: str, dbt_vars: str | None) -> list[list[str] | str]:
    """The steps of `python -m custseg build`: one dbt build on engines with Python models;
    elsewhere everything up to the CLV summary, the CLI fit ("fit"), then the rest."""
    extra = ["--vars", dbt_vars] if dbt_vars else []
    if target == "duckdb":
        return [["build", *extra]]
    # Cautious indirect selection: a test runs in the step that builds all of its parents, so
    # the two halves together run every test exactly once.
    upstream = f"+{SUMMARY_MODEL}"
    cautious = ["--indirect-selection", "cautious"]
    return [
        ["build", "--select", upstream, *cautious, *extra],
        "fit",
        ["build", "--exclude", upstream, *cautious, *extra],
    ]


def run_dbt(args: list[str], target: str) -> int:
    """dbt in this process, from the project directory (profiles.yml's relative paths are
    relative to it). On Spark the dbt steps and the fit share this process's session: one JVM,
    and the embedded Derby metastore admits one process at a time anyway."""
    from dbt.cli.main import dbtRunner

    print("running: dbt " + " ".join(args) + f" --target {target}", flush=True)
    os.environ.setdefault("DBT_PROFILES_DIR", str(PROJECT_DIR))
    cwd = Path.cwd()
    os.chdir(PROJECT_DIR)
    try:
        result = dbtRunner().invoke([*args, "--target", target], project_dir=str(PROJECT_DIR))
    finally:
        os.chdir(cwd)
    if result.success:
        return 0
    return 2 if result.exception is not None else 1


def run_build(target: str, dbt_vars: str | None, rules: MinimumData | None = None) -> int:
    import yaml

    overrides = (yaml.safe_load(dbt_vars) or {}) if dbt_vars else {}
    for step in build_steps(target, dbt_vars):
        if step == "fit":
            row = fit_and_write(target, rules=rules, overrides=overrides).iloc[0]
            print(f"clv fit: {row['status']}: {row['message']}", flush=True)
            continue
        code = run_dbt(step, target)
        if code != 0:
            return code
    return 0
