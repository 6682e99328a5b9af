"""The hourly selector's new-row tests (tests/generic/new_rows.sql) check the rows within the
events lookback of the latest received_at: a second delivery of an old event id received in the
last hour fails them (and the daily all-rows test); one received years ago fails only the daily
test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import AS_OF, dbt_env, run_dbt, run_results
from custseg.layers import connect_duckdb

NEW_ROWS_TEST = "new_stg_events_event_id_unique"
ALL_ROWS_TEST = "unique_stg_events__events_event_id"


def _duplicate_event(database: Path, received: str) -> None:
    """Stage a second delivery of the earliest-received staged event, received at `received`
    (a SQL expression; `bounds.latest` is the table's latest received_at)."""
    with connect_duckdb(database) as con:
        event_id = con.execute(
            "select event_id from base_events__events where reject_reason is null "
            "order by received_at, event_id limit 1"
        ).fetchone()[0]
        con.execute(f"""
            insert into base_events__events
            select base_events__events.* replace (
                row_fingerprint || '-copy' as row_fingerprint, {received} as received_at
            )
            from base_events__events,
                (select max(received_at) as latest from base_events__events) as bounds
            where event_id = ? and reject_reason is null""", [event_id])


def _test_statuses(env: dict[str, str], workdir: Path) -> dict[str, str]:
    proc = run_dbt(["test", "--select", NEW_ROWS_TEST, ALL_ROWS_TEST, "--vars",
                    f"{{as_of_date: '{AS_OF}'}}"], env, check=False)
    assert "Compilation Error" not in proc.stdout, proc.stdout[-3000:]
    return {uid.split(".")[2]: r["status"] for uid, r in run_results(workdir / "target").items()
            if uid.startswith("test.")}


@pytest.mark.parametrize(
    ("received", "new_rows_status"),
    [
        ("bounds.latest - interval 10 minute", "fail"),  # a new row repeating an old key: the hourly test sees it
        ("timestamp '2000-01-01'", "pass"),  # long before it: only the daily test sees it
    ],
)
def test_new_rows_test_checks_only_new_rows(built: dict, tmp_path: Path, received: str,
                                            new_rows_status: str) -> None:
    assert built["proc"].returncode == 0
    env = dbt_env(tmp_path)
    database = Path(env["DBT_DUCKDB_PATH"])
    shutil.copy(built["db"], database)
    assert _test_statuses(env, tmp_path) == {NEW_ROWS_TEST: "pass", ALL_ROWS_TEST: "pass"}

    _duplicate_event(database, received)
    assert _test_statuses(env, tmp_path) == {NEW_ROWS_TEST: new_rows_status, ALL_ROWS_TEST: "fail"}
