"""stg_events__events and its _rejected twin: an incremental build must equal a full refresh.

Raw events arrive in two loads. The second load holds events received after the first load's
watermark, plus rows received within the lookback window before it (loaded late), which is the
case the lookback exists for. Incremental runs (load 1, then load 1 + 2, then a no-op rerun) go
into one DuckDB file, a full refresh over load 1 + 2 into another; the event table, its two
views and the per-identity-key daily aggregates built on them must hold exactly the same rows
(sorted row lists).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import AS_OF, dbt_env, run_dbt
from custseg.layers import connect_duckdb

MODELS = [
    "base_events__events",
    "stg_events__events",
    "stg_events__events_rejected",
    "int_events__daily_manifest",
    "int_events__daily_by_key",
    "int_events__identity_keys",
]
TABLES = MODELS

# (event_id, occurred_at, received_at, contact_id, email, anonymous_id, event_type, properties)
LOAD_1 = [
    # valid, staged once
    (
        "e1",
        "2026-06-01 09:59:00",
        "2026-06-01 10:00:00",
        "c1",
        " Ann@X.com ",
        None,
        "page_view",
        '{"url": "https://x.com/pricing", "content_topic": "security"}',
    ),
    # delivered twice within load 1: the earlier receipt wins
    ("e2", "2026-06-01 11:00:00", "2026-06-01 11:00:05", "c1", None, None, "email_open", '{"campaign": "spring"}'),
    ("e2", "2026-06-01 11:00:00", "2026-06-02 09:00:00", "c1", None, None, "email_open", '{"campaign": "spring"}'),
    # redelivered in load 2, both copies inside the lookback window
    ("e3", "2026-06-03 12:00:00", "2026-06-03 12:00:01", None, None, "a3", "page_view", None),
    # received long before the load-2 window: redelivery in load 2 must lose to it
    (
        "e4",
        "2026-05-20 08:00:00",
        "2026-05-20 08:00:01",
        "c2",
        None,
        None,
        "feature_used",
        '{"feature": "export", "account_id": "acc1"}',
    ),
    # byte-identical double delivery
    ("e5", "2026-06-02 10:00:00", "2026-06-02 10:00:01", None, None, "a5", "form_submit", "{}"),
    ("e5", "2026-06-02 10:00:00", "2026-06-02 10:00:01", None, None, "a5", "form_submit", "{}"),
    # one copy in load 1; an identical copy (same received_at) is loaded late in load 2
    ("e7", "2026-06-03 20:00:00", "2026-06-03 20:00:00", None, None, "a7", "page_view", None),
    # staged from load 1, but load 2 brings an earlier-received copy (loaded late): it wins
    ("e9", "2026-06-03 21:00:00", "2026-06-03 22:00:00", "c1", None, None, "product_login", None),
    # row-level rejects
    ("e10", "2026-06-02 10:00:00", "2026-06-02 10:00:01", None, None, "a1", "page_view", '{"url": '),
    ("e11", "2026-06-02 10:00:00", "2026-06-02 10:00:01", None, None, "a1", "teleport", None),
    ("e12", "2026-06-03 10:00:00", "2026-06-02 10:00:01", None, None, "a1", "page_view", None),
    ("e13", "2026-06-02 10:00:00", "2026-06-02 10:00:01", "c404", None, None, "page_view", None),
    ("  ", "2026-06-02 10:00:00", "2026-06-02 10:00:01", None, None, "a1", "page_view", None),
    ("e14", "2026-06-02 10:00:00", None, None, None, "a1", "page_view", None),
    # the malformed row delivered twice, identically
    ("e10", "2026-06-02 10:00:00", "2026-06-02 10:00:01", None, None, "a1", "page_view", '{"url": '),
    # the watermark of load 1
    ("e15", "2026-06-03 23:00:00", "2026-06-03 23:00:00", None, None, "a15", "page_view", None),
]

LOAD_2 = [
    # late-arriving event: occurred in load-1 time, received now
    (
        "e8",
        "2026-06-01 08:00:00",
        "2026-06-05 08:00:00",
        "c2",
        None,
        None,
        "support_ticket",
        '{"ticket_priority": "high"}',
    ),
    ("e3", "2026-06-03 12:00:00", "2026-06-05 08:00:01", None, None, "a3", "page_view", None),
    (
        "e4",
        "2026-05-20 08:00:00",
        "2026-06-05 08:00:02",
        "c2",
        None,
        None,
        "feature_used",
        '{"feature": "export", "account_id": "acc1"}',
    ),
    ("e7", "2026-06-03 20:00:00", "2026-06-03 20:00:00", None, None, "a7", "page_view", None),
    ("e9", "2026-06-03 21:00:00", "2026-06-03 21:30:00", "c1", None, None, "product_login", None),
    ("e16", "2026-06-05 10:00:00", "2026-06-05 10:00:00", None, None, "a16", "Page_View", None),
    ("e17", "2026-06-05 10:00:00", "2026-06-05 10:00:00", None, None, "a17", "email_sent", "[1"),
    ("e18", "2026-06-05 10:00:00", None, None, None, "a18", "page_view", None),
    ("e16", "2026-06-05 10:00:00", "2026-06-06 10:00:00", None, None, "a16", "page_view", None),
]

CONTACTS = [("c1", None, "ann@x.com"), ("c2", "acc1", "bob@y.com")]


def _prepare(database: Path, rows: list[tuple]) -> None:
    """Raw events table plus a stand-in for stg_crm__contacts (the only other input)."""
    with connect_duckdb(database) as con:
        con.execute("create schema if not exists raw")
        con.execute(
            "create or replace table raw.events (event_id varchar, occurred_at timestamp, "
            "received_at timestamp, contact_id varchar, email varchar, anonymous_id varchar, "
            "event_type varchar, properties varchar)"
        )
        con.executemany("insert into raw.events values (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.execute("create schema if not exists staging")
        con.execute(
            "create or replace table staging.stg_crm__contacts "
            "(contact_id varchar, account_id varchar, email_normalized varchar)"
        )
        con.executemany("insert into staging.stg_crm__contacts values (?, ?, ?)", CONTACTS)


def _run(env: dict[str, str], *extra: str) -> None:
    dbt_vars = f"{{as_of_date: '{AS_OF}', events_load_time: '{AS_OF} 00:00:00'}}"
    run_dbt(["run", "--select", *MODELS, "--vars", dbt_vars, *extra], env)


def _snapshot(database: Path) -> dict[str, list[tuple]]:
    with connect_duckdb(database, read_only=True) as con:
        return {t: sorted(con.execute(f"select * from {t}").fetchall(), key=repr) for t in TABLES}


@pytest.mark.slow
def test_incremental_equals_full_refresh(tmp_path: Path) -> None:
    inc_dir, full_dir = tmp_path / "incremental", tmp_path / "full"
    inc_dir.mkdir()
    full_dir.mkdir()
    inc_env, full_env = dbt_env(inc_dir), dbt_env(full_dir)
    inc_db, full_db = Path(inc_env["DBT_DUCKDB_PATH"]), Path(full_env["DBT_DUCKDB_PATH"])

    # incremental: load 1, then load 1 + 2, then a rerun without new data
    _prepare(inc_db, LOAD_1)
    _run(inc_env, "--full-refresh")
    _prepare(inc_db, LOAD_1 + LOAD_2)
    _run(inc_env)
    after_load_2 = _snapshot(inc_db)
    _run(inc_env)
    assert _snapshot(inc_db) == after_load_2, "a rerun without new raw rows changed the tables"

    # full refresh over everything, in a second warehouse
    _prepare(full_db, LOAD_1 + LOAD_2)
    _run(full_env, "--full-refresh")

    refreshed = _snapshot(full_db)
    for table in TABLES:
        assert after_load_2[table] == refreshed[table], f"{table}: incremental differs from full refresh"

    with connect_duckdb(inc_db, read_only=True) as con:
        # nothing lost: every raw row is staged or rejected (duplicates included)
        raw_rows = len(LOAD_1) + len(LOAD_2)
        staged, rejected = (con.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES[1:3])
        assert staged + rejected == raw_rows
        # the per-key daily aggregates count every staged event once, on its day
        for table in ("int_events__daily_manifest", "int_events__daily_by_key", "int_events__identity_keys"):
            assert con.execute(f"select sum(event_count) from {table}").fetchone()[0] == staged, table
        per_day = con.execute(
            "select event_date, sum(event_count) from int_events__daily_by_key group by 1 "
            "except select event_date, count(*) from stg_events__events group by 1"
        ).fetchall()
        assert per_day == []

        # the rules themselves
        winners = dict(con.execute("select event_id, cast(received_at as varchar) from stg_events__events").fetchall())
        assert winners["e2"] == "2026-06-01 11:00:05"
        assert winners["e4"] == "2026-05-20 08:00:01"
        assert winners["e9"] == "2026-06-03 21:30:00"
        assert winners["e8"] == "2026-06-05 08:00:00"
        assert winners["e16"] == "2026-06-05 10:00:00"
        assert sorted(winners) == ["e1", "e15", "e16", "e2", "e3", "e4", "e5", "e7", "e8", "e9"]
        reasons = dict(
            con.execute(
                "select reject_reason, count(*) from stg_events__events_rejected group by reject_reason"
            ).fetchall()
        )
        assert reasons == {
            "duplicate": 7,  # e2, e3, e4, e5, e7, e9 (load-1 copy), e16
            "malformed_json": 3,  # e10 twice, e17
            "invalid_value": 1,  # e11
            "future_timestamp": 1,  # e12
            "orphan_foreign_key": 1,  # e13
            "missing_required_field": 3,  # blank id, e14, e18
        }
