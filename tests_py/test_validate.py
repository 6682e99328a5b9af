"""The Great Expectations checkpoint bites: batched validation agrees with whole-table
validation, corrupted profile/CLV tables fail with the table, column and expectation named,
and a size that collapses or doubles against the previous successful run fails."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml

from custseg.layers import connect_duckdb
from custseg.validate import DEFAULT_SPEC, run_checkpoint


def _copy(built: dict, tmp_path: Path) -> Path:
    database = tmp_path / "warehouse.duckdb"
    shutil.copy(built["db"], database)
    return database


def test_batches_agree_with_whole_tables(built: dict, tmp_path: Path) -> None:
    """`mostly` thresholds are table-wide even when rows are validated in small batches."""
    whole = run_checkpoint(database=built["db"], gx_dir=tmp_path / "whole")
    batched = run_checkpoint(database=built["db"], gx_dir=tmp_path / "batched", batch_rows=499)
    assert whole.success and batched.success, [str(f) for f in whole.failures + batched.failures]
    assert whole.expectations == batched.expectations


def test_corrupt_profile_and_clv_fail_by_name(built: dict, tmp_path: Path) -> None:
    database = _copy(built, tmp_path)
    with connect_duckdb(database) as con:
        con.execute(
            "update contact_clv set p_alive = 1.5 where contact_id in (select min(contact_id) from contact_clv)"
        )
        con.execute("update contact_profile set country_code = null")
        con.execute("delete from account_profile where account_id in (select min(account_id) from account_profile)")
    result = run_checkpoint(database=database, gx_dir=tmp_path / "gx", batch_rows=300)
    messages = [str(f) for f in result.failures]
    assert not result.success
    assert any("contact_clv.p_alive" in m and "expect_column_values_to_be_between" in m for m in messages), messages
    assert any("contact_profile.country_code" in m and "not_be_null" in m for m in messages), messages
    assert any(m.startswith("FAILED account_profile:") and "row_count_to_equal" in m for m in messages), messages


def test_size_change_against_previous_run(built: dict, tmp_path: Path) -> None:
    """Sizes per key are kept after a successful run; a key that vanishes or doubles fails."""
    spec = yaml.safe_load(DEFAULT_SPEC.read_text())
    spec["tables"] = {}
    spec["size_changes"] = {
        "lifecycle_sizes": {
            "query": "select lifecycle_stage, count(*) from contact_profile group by lifecycle_stage",
            "min_ratio": 0.5,
            "max_ratio": 2.0,
            "min_previous_size": 1,
        }
    }
    spec_path = tmp_path / "spec.yml"
    spec_path.write_text(yaml.safe_dump(spec))
    gx_dir = tmp_path / "gx"

    first = run_checkpoint(database=built["db"], spec_path=spec_path, gx_dir=gx_dir)
    assert first.success, [str(f) for f in first.failures]
    state = json.loads((gx_dir / "duckdb_sizes.json").read_text())["lifecycle_sizes"]
    assert sum(state.values()) > 0

    second = run_checkpoint(database=built["db"], spec_path=spec_path, gx_dir=gx_dir)
    assert second.success, "an unchanged warehouse must pass against its own previous run"

    database = _copy(built, tmp_path)
    with connect_duckdb(database) as con:
        biggest = con.execute(
            "select lifecycle_stage from contact_profile group by 1 order by count(*) desc, 1 limit 1"
        ).fetchone()[0]
        smallest = con.execute(
            "select lifecycle_stage from contact_profile group by 1 order by count(*), 1 limit 1"
        ).fetchone()[0]
        con.execute(f"delete from contact_profile where lifecycle_stage = '{smallest}'")
        con.execute(f"insert into contact_profile select * from contact_profile where lifecycle_stage = '{biggest}'")
    third = run_checkpoint(database=database, spec_path=spec_path, gx_dir=gx_dir)
    messages = [str(f) for f in third.failures]
    assert any("lifecycle_sizes.current_size" in m for m in messages), messages  # collapsed to zero
    assert any("lifecycle_sizes.size_ratio" in m for m in messages), messages  # doubled
    assert any(f"{smallest}: {state[smallest]} -> 0" in m for m in messages), messages
    # a failed run does not become the baseline
    assert json.loads((gx_dir / "duckdb_sizes.json").read_text())["lifecycle_sizes"] == state


def test_pii_values_never_reach_results_or_data_docs(built: dict, tmp_path: Path) -> None:
    """A failing expectation on an email column reports counts only: the bad values are in
    neither the failure line, the stored validation results nor the Data Docs. A column that
    is not personal keeps its sample of unexpected values."""
    database = _copy(built, tmp_path)
    with connect_duckdb(database) as con:
        con.execute(
            "update stg_crm__contacts set email_normalized = 'leaked-' || contact_id || '-nodomain' "
            "where contact_id in (select contact_id from stg_crm__contacts order by contact_id limit 3)"
        )
        con.execute(
            "update stg_crm__accounts set employee_count = 98765432 "
            "where account_id = (select max(account_id) from stg_crm__accounts)"
        )
    gx_dir = tmp_path / "gx"
    result = run_checkpoint(database=database, gx_dir=gx_dir)
    messages = [str(f) for f in result.failures]
    email = [m for m in messages if "stg_crm__contacts.email_normalized" in m and "match_regex" in m]
    assert len(email) == 1 and "unexpected_count=3" in email[0], messages
    assert not any("leaked-" in m for m in messages), messages
    # employee_count is company data (no pii classification): its failing value is shown.
    size = [m for m in messages if "stg_crm__accounts.employee_count" in m]
    assert len(size) == 1 and "98765432" in size[0], messages
    files = [p for p in gx_dir.rglob("*") if p.is_file()]
    assert any(p.suffix == ".html" for p in files) and result.docs_path.exists()
    leaks = [p for p in files if "leaked-" in p.read_text(errors="replace")]
    assert not leaks, leaks
    assert any("987" in p.read_text(errors="replace") for p in files if p.suffix == ".json")
