"""The same project on a real PostgreSQL server: scripts/postgres-up.sh installs (apt) and
starts a private server on 127.0.0.1, the loader copies the tiny sample into its raw schema,
`dbt build` runs everything, and staging matches the DuckDB build row for row."""

from __future__ import annotations

import os

import pytest

import conftest
from conftest import AS_OF, dbt_env, run_dbt
from custseg.layers import connect_duckdb

pytestmark = pytest.mark.slow

PGPORT = conftest.PGPORT
CONNECTION = conftest.PG_CONNECTION


def _pg_rows(query: str) -> list[tuple]:
    from custseg.load_postgres import connect

    with connect(**CONNECTION) as con, con.cursor() as cur:
        cur.execute(query)
        return cur.fetchall()


def test_postgres_build_passes(pg_built: dict) -> None:
    failed = {uid: r["status"] for uid, r in pg_built["results"].items() if r["status"] not in ("success", "pass")}
    proc = pg_built["proc"]
    assert proc.returncode == 0 and not failed, proc.stdout[-5000:] + proc.stderr[-2000:]


def test_postgres_row_accounting_matches_duckdb(pg_built: dict, built: dict) -> None:
    query = (
        "select raw_table, raw_rows, staged_rows, rejected_rows, duplicate_rows "
        "from {schema}staging_row_accounting order by raw_table"
    )
    pg = _pg_rows(query.format(schema="audit."))
    with connect_duckdb(built["db"], read_only=True) as con:
        dk = con.execute(query.format(schema="")).fetchall()
    assert pg == dk


def test_postgres_staged_contacts_match_duckdb(pg_built: dict, built: dict) -> None:
    query = (
        "select contact_id, account_id, email_normalized, country_code, birth_date, household_size, "
        "lifecycle_stage, marketing_consent, is_deleted from {schema}stg_crm__contacts order by contact_id"
    )
    pg = _pg_rows(query.format(schema="staging."))
    with connect_duckdb(built["db"], read_only=True) as con:
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
    pg = _pg_rows(query.format(schema="marts."))
    with connect_duckdb(built["db"], read_only=True) as con:
        dk = con.execute(query.format(schema="")).fetchall()
    assert len(pg) == len(dk) > 0 and {row[-1] for row in pg} == {"fitted", "no_transactions"}
    assert pg == dk


def test_postgres_checkpoint_runs_in_the_database(pg_built: dict, tmp_path, monkeypatch) -> None:
    """The GX checkpoint on PostgreSQL goes through GX's SQL datasource, passes on the build and
    names the table, column and expectation when a value is out of range."""
    from custseg.load_postgres import connect
    from custseg.validate import run_checkpoint

    monkeypatch.setenv("PGHOST", "127.0.0.1")
    monkeypatch.setenv("PGPORT", PGPORT)
    monkeypatch.setenv("PGDATABASE", "segmentation_test")
    monkeypatch.delenv("DBT_SCHEMA", raising=False)
    result = run_checkpoint(target="postgres", gx_dir=tmp_path / "gx")
    assert result.success, [str(f) for f in result.failures]
    assert result.expectations >= 50 and result.docs_path.is_file()

    victim = _pg_rows("select min(contact_id) from marts.contact_clv where p_alive is not null")[0][0]
    original = _pg_rows(f"select p_alive from marts.contact_clv where contact_id = '{victim}'")[0][0]
    with connect(**CONNECTION) as con, con.cursor() as cur:
        cur.execute(f"update marts.contact_clv set p_alive = 1.5 where contact_id = '{victim}'")
    try:
        corrupt = run_checkpoint(target="postgres", gx_dir=tmp_path / "gx")
    finally:
        with connect(**CONNECTION) as con, con.cursor() as cur:
            cur.execute(f"update marts.contact_clv set p_alive = {original!r} where contact_id = '{victim}'")
    messages = [str(f) for f in corrupt.failures]
    assert any("contact_clv.p_alive" in m and "expect_column_values_to_be_between" in m for m in messages), messages
