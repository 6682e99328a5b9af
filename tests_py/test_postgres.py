"""The same project on a real PostgreSQL server: scripts/postgres-up.sh installs (apt) and
starts a private server on 127.0.0.1, the loader copies the tiny sample into its raw schema,
`dbt build` runs everything, and staging matches the DuckDB build row for row."""

from __future__ import annotations

import os
import subprocess

import duckdb
import pytest

from conftest import AS_OF, dbt_env, run_dbt, run_results
from custseg import PROJECT_DIR

pytestmark = pytest.mark.slow

PGPORT = os.environ.get("CUSTSEG_TEST_PGPORT", "55432")
CONNECTION = {"host": "127.0.0.1", "port": int(PGPORT), "user": "postgres", "dbname": "segmentation_test"}


@pytest.fixture(scope="module")
def postgres():
    # The server's files live in /tmp/custseg-postgres-<port> (the postgres user cannot enter
    # pytest's private temp folders); postgres-down.sh removes them.
    env = dict(os.environ, PGPORT=PGPORT, PGDATABASE="segmentation_test")
    try:
        subprocess.run(["bash", str(PROJECT_DIR / "scripts" / "postgres-up.sh")], env=env, check=True)
        yield env
    finally:
        subprocess.run(["bash", str(PROJECT_DIR / "scripts" / "postgres-down.sh")], env=env, check=False)


@pytest.fixture(scope="module")
def pg_built(postgres: dict, sample_data: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    from custseg.load_postgres import load_postgres

    workdir = tmp_path_factory.mktemp("pg_build")
    env = dbt_env(workdir, DBT_TARGET="postgres", PGHOST="127.0.0.1", PGPORT=PGPORT, PGDATABASE="segmentation_test")
    load_postgres(sample_data["dir"], **CONNECTION)
    proc = run_dbt(["build", "--vars", f"{{as_of_date: '{AS_OF}'}}"], env, check=False)
    return {"proc": proc, "results": run_results(workdir / "target")}


def _pg_rows(query: str) -> list[tuple]:
    from custseg.load_postgres import connect

    with connect(**CONNECTION) as con, con.cursor() as cur:
        cur.execute(query)
        return cur.fetchall()


def test_postgres_build_passes(pg_built: dict) -> None:
    failed = {uid: r["status"] for uid, r in pg_built["results"].items() if r["status"] not in ("success", "pass")}
    assert pg_built["proc"].returncode == 0 and not failed, pg_built["proc"].stdout[-5000:]


def test_postgres_row_accounting_matches_duckdb(pg_built: dict, built: dict) -> None:
    query = (
        "select raw_table, raw_rows, staged_rows, rejected_rows, duplicate_rows "
        "from {schema}staging_row_accounting order by raw_table"
    )
    pg = _pg_rows(query.format(schema="analytics."))
    with duckdb.connect(str(built["db"]), read_only=True) as con:
        dk = con.execute(query.format(schema="")).fetchall()
    assert pg == dk


def test_postgres_staged_contacts_match_duckdb(pg_built: dict, built: dict) -> None:
    query = (
        "select contact_id, account_id, email_normalized, country_code, birth_date, household_size, "
        "lifecycle_stage, marketing_consent, is_deleted from {schema}stg_crm__contacts order by contact_id"
    )
    pg = _pg_rows(query.format(schema="analytics."))
    with duckdb.connect(str(built["db"]), read_only=True) as con:
        dk = con.execute(query.format(schema="")).fetchall()
    assert len(pg) == len(dk) > 0
    assert pg == dk



def test_postgres_clv_fit_cli_matches_duckdb(pg_built: dict, built: dict, tmp_path) -> None:
    """Engines without dbt Python models: the CLI fits and writes clv_parameters_fit, the SQL
    scoring then gives exactly the DuckDB contact_clv."""
    from custseg.cli import main

    env = dbt_env(tmp_path, DBT_TARGET="postgres", PGHOST="127.0.0.1", PGPORT=PGPORT, PGDATABASE="segmentation_test")
    saved = {k: os.environ.get(k) for k in ("PGHOST", "PGPORT", "PGDATABASE", "DBT_SCHEMA")}
    os.environ.update(PGHOST="127.0.0.1", PGPORT=PGPORT, PGDATABASE="segmentation_test")
    os.environ.pop("DBT_SCHEMA", None)
    try:
        assert main(["clv", "fit", "--target", "postgres"]) == 0
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    models = ["clv_parameters", "contact_clv", "account_clv"]
    run_dbt(["build", "-s", *models, "--vars", f"{{as_of_date: '{AS_OF}'}}"], env)
    query = (
        "select contact_id, p_alive, expected_purchases, expected_avg_order_value, predicted_clv, clv_tier, "
        "clv_status from {schema}contact_clv order by contact_id"
    )
    pg = _pg_rows(query.format(schema="analytics."))
    with duckdb.connect(str(built["db"]), read_only=True) as con:
        dk = con.execute(query.format(schema="")).fetchall()
    assert len(pg) == len(dk) > 0 and {row[-1] for row in pg} == {"fitted", "no_transactions"}
    assert pg == dk
