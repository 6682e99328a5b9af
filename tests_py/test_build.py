"""End to end on the embedded default: generate the tiny sample, load it, `dbt build`
everything with the as-of date pinned, then check what landed in the DuckDB file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import STAGING_MODELS
from custseg import RAW_TABLES
from custseg.layers import connect_duckdb
from custseg.validate import run_checkpoint

pytestmark = pytest.mark.slow


def test_build_passes(built: dict) -> None:
    failed = {uid: r["status"] for uid, r in built["results"].items() if r["status"] not in ("success", "pass")}
    assert built["proc"].returncode == 0 and not failed, built["proc"].stdout[-5000:]


def test_every_staging_model_and_rejected_twin_exists(built: dict) -> None:
    with connect_duckdb(built["db"], read_only=True) as con:
        names = {row[0] for row in con.execute("select table_name from information_schema.tables").fetchall()}
    for model in STAGING_MODELS.values():
        assert model in names
        assert f"{model}_rejected" in names


def test_row_accounting_balances(built: dict) -> None:
    with connect_duckdb(built["db"], read_only=True) as con:
        rows = con.execute(
            "select raw_table, raw_rows, staged_rows, rejected_rows, duplicate_rows from staging_row_accounting"
        ).fetchall()
    assert {r[0] for r in rows} == set(RAW_TABLES)
    for table, raw_rows, staged, rejected, duplicates in rows:
        assert raw_rows == built["manifest"]["row_counts"][table]
        assert raw_rows == staged + rejected + duplicates, table
        assert staged > 0, table


def test_rejected_reasons_match_injected_defects(built: dict) -> None:
    """Every defect the generator injected is quarantined with the expected reason, and nothing else is."""
    injected = built["manifest"]["injected"]
    with connect_duckdb(built["db"], read_only=True) as con:
        for table, model in STAGING_MODELS.items():
            found = dict(
                con.execute(f"select reject_reason, count(*) from {model}_rejected group by reject_reason").fetchall()
            )
            expected = {reason: n for reason, n in injected.get(table, {}).items() if n}
            assert found == expected, f"{table}: rejected {json.dumps(found)} vs injected {json.dumps(expected)}"


def test_checkpoint_passes_and_writes_data_docs(built: dict) -> None:
    result = run_checkpoint(database=built["db"], gx_dir=built["workdir"] / "gx")
    assert result.success, "\n".join(map(str, result.failures))
    assert result.expectations >= 10
    assert result.docs_path.is_file()
    assert "<html" in result.docs_path.read_text().lower()


def test_checkpoint_names_table_column_and_expectation_on_corrupt_data(built: dict, tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.duckdb"
    shutil.copy(built["db"], corrupt)
    with connect_duckdb(corrupt) as con:
        con.execute(
            "update stg_crm__contacts set household_size = -3"
            " where contact_id in (select contact_id from stg_crm__contacts order by contact_id limit 5)"
        )
    result = run_checkpoint(database=corrupt, gx_dir=tmp_path / "gx")
    assert not result.success
    messages = [str(f) for f in result.failures]
    assert any(
        "stg_crm__contacts.household_size" in m and "expect_column_values_to_be_between" in m for m in messages
    ), messages


RFM_SEGMENTS = {
    "Champions",
    "Loyal",
    "Potential Loyalist",
    "New",
    "Promising",
    "Need Attention",
    "About to Sleep",
    "At Risk",
    "Can't Lose Them",
    "Hibernating",
    "Lost",
}
LIFECYCLE_STAGES = {"subscriber", "lead", "mql", "sql", "opportunity", "customer", "former_customer"}
AWARENESS_STAGES = {"unaware", "problem_aware", "solution_aware", "product_aware", "most_aware"}


def test_sample_gives_every_attribute_category_members(built: dict) -> None:
    """The sample data is realistic enough that every named category a segment may target has members."""
    with connect_duckdb(built["db"], read_only=True) as con:

        def values(query: str) -> set:
            return {row[0] for row in con.execute(query).fetchall()}

        personas = values("select persona from reference.job_title_rules")
        assert RFM_SEGMENTS <= values("select rfm_segment from contact_behavior")
        assert personas <= values("select persona from contact_persona")
        assert LIFECYCLE_STAGES <= values("select lifecycle_stage from contact_lifecycle")
        assert AWARENESS_STAGES <= values("select awareness_stage from contact_needs")
        assert {"A", "B", "C"} <= values("select account_tier from account_health")
