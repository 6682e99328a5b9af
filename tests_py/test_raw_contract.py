"""Schema drift in the raw input stops `dbt build` before any model runs, with the table, the
column and the expected type named (on-run-start macro check_raw_contract); `dbt parse` and
unit tests, which read no source, are unaffected."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import AS_OF, dbt_env, run_dbt, run_results
from custseg.layers import connect_duckdb
from custseg.load import load_duckdb

VARS = f"{{as_of_date: '{AS_OF}'}}"


def _drift(database: Path, raw: Path) -> None:
    """Drop a required column and an optional one, retype two (a timestamp as text, a text as
    integer), empty a table."""
    with connect_duckdb(database) as con:
        con.execute(
            "create or replace view raw.crm_accounts as "
            f"select * exclude (account_id, employee_count) from read_parquet('{raw}/crm_accounts/*.parquet')"
        )
        con.execute(
            "create or replace view raw.events as select * replace (cast(received_at as varchar) as received_at) "
            f"from read_parquet('{raw}/events/*.parquet')"
        )
        con.execute(
            "create or replace view raw.crm_contacts as select * replace (try_cast(household_size as integer) "
            f"as household_size) from read_parquet('{raw}/crm_contacts/*.parquet')"
        )
        con.execute(
            f"create or replace view raw.crm_deals as select * from read_parquet('{raw}/crm_deals/*.parquet') limit 0"
        )


@pytest.fixture(scope="module")
def drifted(sample_data: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A fresh warehouse whose raw schema drifted."""
    workdir = tmp_path_factory.mktemp("raw_drift")
    env = dbt_env(workdir)
    database = Path(env["DBT_DUCKDB_PATH"])
    load_duckdb(sample_data["dir"], path=database)
    _drift(database, sample_data["dir"])
    return {"env": env, "workdir": workdir, "db": database}


def _model_relations(database: Path) -> list[str]:
    with connect_duckdb(database, read_only=True) as con:
        return [
            r[0]
            for r in con.execute(
                "select table_schema || '.' || table_name from information_schema.tables where table_schema <> 'raw'"
            ).fetchall()
        ]


def test_drift_stops_the_build_before_any_model_runs(drifted: dict) -> None:
    proc = run_dbt(["build", "--vars", VARS], drifted["env"], check=False)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output[-3000:]
    assert "The raw input does not match its contract" in output, output[-3000:]
    for problem in (
        "raw.crm_accounts: column account_id is missing (expected type text)",
        "raw.events: column received_at is VARCHAR, expected timestamp",
        "raw.crm_contacts: column household_size is INTEGER, expected text",
        "raw.crm_deals: table is empty (if that is expected, add crm_deals to the var raw_tables_allowed_empty)",
    ):
        assert problem in output, f"{problem!r} not in:\n{output[-3000:]}"
    assert "unit test definition" not in output
    # optional columns (config: {meta: {optional: true}} in the sources YAML) may be missing
    assert "employee_count" not in output, output[-3000:]
    results_file = drifted["workdir"] / "target" / "run_results.json"
    if results_file.exists():
        ran = [
            r["unique_id"]
            for r in json.loads(results_file.read_text())["results"]
            if not r["unique_id"].startswith("operation.") and r["status"] not in ("skipped",)
        ]
        assert ran == [], ran
    assert _model_relations(drifted["db"]) == [], "a model or seed was built despite the drift"


def test_parse_and_unit_tests_do_not_read_sources(built: dict, sample_data: dict, tmp_path: Path) -> None:
    """Unit tests need their parents built (dbt reads their columns): a copy of the built
    sample whose raw schema drifted."""
    env = dbt_env(tmp_path)
    shutil.copy(built["db"], env["DBT_DUCKDB_PATH"])
    _drift(Path(env["DBT_DUCKDB_PATH"]), sample_data["dir"])
    run_dbt(["parse", "--vars", VARS], env)
    proc = run_dbt(["test", "--select", "test_type:unit,path:models/marts", "--vars", VARS], env)
    assert "does not match its contract" not in proc.stdout
    assert "PASS=" in proc.stdout and "ERROR=0" in proc.stdout, proc.stdout[-3000:]


def test_an_allowed_empty_table_passes_the_check(drifted: dict, tmp_path: Path) -> None:
    """Only the emptied table is wrong for crm_deals' staging; the var allows it, so the hook
    passes and the model runs (and fails or not on its own: its other inputs are not built)."""
    env = dict(drifted["env"], DBT_TARGET_PATH=str(tmp_path / "target"))
    vars_allowed = f"{{as_of_date: '{AS_OF}', raw_tables_allowed_empty: [crm_deals]}}"
    proc = run_dbt(["run", "--select", "base_crm__deals", "--vars", vars_allowed], env, check=False)
    assert "does not match its contract" not in proc.stdout, proc.stdout[-3000:]
    assert "model.customer_segmentation.base_crm__deals" in run_results(tmp_path / "target")
    proc = run_dbt(["run", "--select", "base_crm__deals", "--vars", VARS], env, check=False)
    assert "raw.crm_deals: table is empty" in proc.stdout, proc.stdout[-3000:]
    assert "raw.crm_accounts" not in proc.stdout, "only the selected model's sources are checked"
