"""A team's own exports through the minimal contract (README "Your own data"): raw tables with
only the required columns (every optional column missing), contacts without emails or with one
placeholder email shared by many, orders carrying an order_amount instead of lines and all in
USD while the reporting currency is left at EUR, and the quarantine guard warning, then failing
the build when a table's rows are mostly rejected."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import dbt_env, run_dbt, run_results
from custseg import PROJECT_DIR, RAW_TABLES
from custseg.generate import schema_for
from custseg.layers import connect_duckdb
from custseg.load import load_duckdb

pytestmark = pytest.mark.slow

AS_OF = "2026-06-30"
LOADED_AT = "2026-06-30 01:00:00"
N_CONTACTS = 24
SELECT = ["+staging_quarantine_rates", "+int_orders__net_revenue", "+int_contacts__identity"]
EMPTY_ALLOWED = "[crm_accounts, crm_deals, crm_subscriptions, shop_order_lines, events]"


def _write(out: Path, table: str, columns: dict[str, list]) -> None:
    """Only the given columns (and _loaded_at); an empty table gets the full contract schema."""
    folder = out / table
    folder.mkdir(parents=True, exist_ok=True)
    if not columns:
        pq.write_table(schema_for(table).empty_table(), folder / "part-0.parquet")
        return
    n = len(next(iter(columns.values())))
    arrays = {name: pa.array(values, pa.string()) for name, values in columns.items()}
    arrays["_loaded_at"] = pa.array([pa.scalar(LOADED_AT).cast(pa.timestamp("us")).as_py()] * n, pa.timestamp("us"))
    pq.write_table(pa.table(arrays), folder / "part-0.parquet")


def write_minimal(out: Path, emails: list[str | None], created_at: str = "2025-01-01 00:00:00") -> None:
    contacts = [f"C{i:03d}" for i in range(N_CONTACTS)]
    _write(out, "crm_contacts", {"contact_id": contacts, "email": emails, "created_at": [created_at] * N_CONTACTS})
    orders = [(c, d) for i, c in enumerate(contacts) for d in range(1 + i % 3)]
    _write(
        out,
        "shop_orders",
        {
            "order_id": [f"O{i:04d}" for i in range(len(orders))],
            "contact_id": [c for c, _ in orders],
            "order_status": ["completed"] * len(orders),
            "currency": ["USD"] * len(orders),
            "ordered_at": [f"2026-0{1 + d}-15 10:00:00" for _, d in orders],
            "order_amount": [f"{10 + d}.50" for _, d in orders],
        },
    )
    for table in RAW_TABLES:
        if not (out / table).exists():
            _write(out, table, {})


def build(workdir: Path, **extra_vars: str):
    env = dbt_env(workdir)
    env.pop("CUSTSEG_QUARANTINE_WARN_SHARE")  # the guard's defaults
    load_duckdb(workdir / "raw", path=Path(env["DBT_DUCKDB_PATH"]))
    variables = ", ".join(
        [f"as_of_date: '{AS_OF}'", f"raw_tables_allowed_empty: {EMPTY_ALLOWED}"]
        + [f"{k}: {v}" for k, v in extra_vars.items()]
    )
    # unit tests are the project's own (run them in CI on the sample), not a check of the data:
    # their fixtures take the raw relation's columns, which a minimal export lacks
    args = ["build", "-s", *SELECT, "--indirect-selection", "cautious", "--exclude-resource-type", "unit_test"]
    proc = run_dbt([*args, "--vars", "{" + variables + "}"], env, check=False)
    return proc, run_results(workdir / "target"), Path(env["DBT_DUCKDB_PATH"])


def _kind(i: int) -> str:
    """Contacts by position: a malformed email (rejected), a placeholder email shared by a
    quarter of them, or no email."""
    return {0: "bad", 2: "placeholder"}.get(i % 4, "none")


EMAILS = {"bad": "bad email@x", "placeholder": "  NoEmail@Shop.example ", "none": None}


@pytest.fixture(scope="module")
def own_build(tmp_path_factory: pytest.TempPathFactory) -> dict:
    workdir = tmp_path_factory.mktemp("own_minimal")
    write_minimal(workdir / "raw", [EMAILS[_kind(i)] for i in range(N_CONTACTS)])
    proc, results, db = build(workdir, identity_placeholder_email_min_contacts="5")
    with connect_duckdb(db, read_only=True) as con:
        identity = con.execute("select * from int_contacts__identity order by contact_id").df()
        revenue = con.execute("select * from int_orders__net_revenue").df()
        rates = con.execute("select * from staging_quarantine_rates").df().set_index("raw_table")
    return {"proc": proc, "results": results, "identity": identity, "revenue": revenue, "rates": rates}


def _statuses(results: dict) -> dict[str, str]:
    return {uid.split(".")[2]: r["status"] for uid, r in results.items() if uid.startswith("test.")}


def test_minimal_columns_build_without_errors(own_build: dict) -> None:
    proc, results = own_build["proc"], own_build["results"]
    failed = {uid: r["status"] for uid, r in results.items() if r["status"] not in ("success", "pass", "warn")}
    assert proc.returncode == 0 and not failed, proc.stdout[-4000:]
    expected = ("quarantine_rate_warn", "identity_placeholder_emails", "assert_reporting_currency_matches_the_data")
    warned = {uid.split(".")[2] for uid, r in results.items() if r["status"] == "warn"}
    assert warned == set(expected), warned


def test_placeholder_email_merges_nobody_and_warns(own_build: dict) -> None:
    identity = own_build["identity"]
    assert len(identity) == N_CONTACTS * 3 // 4 and identity["is_canonical"].all()
    assert (identity["canonical_contact_id"] == identity["contact_id"]).all()
    assert identity["merge_email"].isna().all()
    assert identity["is_placeholder_email"].sum() == N_CONTACTS // 4
    assert _statuses(own_build["results"])["identity_placeholder_emails"] == "warn"


def test_order_amount_is_the_revenue_of_orders_without_lines(own_build: dict) -> None:
    revenue = own_build["revenue"]
    assert (revenue["amount_source"] == "order_amount").all()
    usd = sum(10.5 + d for i in range(N_CONTACTS) if _kind(i) != "bad" for d in range(1 + i % 3))
    rates = pd.read_csv(PROJECT_DIR / "seeds" / "fx_rates.csv").set_index("currency_code")["units_per_usd"]
    assert revenue["net_revenue_reporting"].sum() == pytest.approx(usd * rates["EUR"] / rates["USD"])
    assert revenue["contact_id"].notna().all()


def test_single_data_currency_other_than_reporting_warns(own_build: dict) -> None:
    """All orders in USD, reporting_currency left at its default EUR: the build says so."""
    assert _statuses(own_build["results"])["assert_reporting_currency_matches_the_data"] == "warn"
    assert "every one of the 36 staged orders is in USD, but reporting_currency is EUR" in own_build["proc"].stdout
    assert 'Set --vars "{reporting_currency: USD}"' in own_build["proc"].stdout


def test_quarantine_guard_warns_between_the_thresholds(own_build: dict) -> None:
    """A quarter of the contacts rejected (and so a quarter of the orders orphaned): above the
    warn share (5%), below the error share (50%); the message names table and reasons."""
    statuses = _statuses(own_build["results"])
    assert (statuses["quarantine_rate_warn"], statuses["quarantine_rate_error"]) == ("warn", "pass")
    assert own_build["rates"].loc["crm_contacts", "rejected_share"] == 0.25
    assert "crm_contacts: 25% rejected (invalid_email 6)" in own_build["proc"].stdout
    assert "shop_orders: 25% rejected (orphan_foreign_key 12)" in own_build["proc"].stdout


def test_quarantine_guard_fails_the_build(tmp_path: Path) -> None:
    """Every contact's created_at unreadable: 100% of crm_contacts rejected, every order then an
    orphan; the build fails and names the tables and their top reasons."""
    write_minimal(tmp_path / "raw", [None] * N_CONTACTS, created_at="01/15/2025")
    proc, results, _ = build(tmp_path)
    assert proc.returncode != 0, proc.stdout[-3000:]
    assert _statuses(results)["quarantine_rate_error"] == "fail", proc.stdout[-3000:]
    assert f"crm_contacts: 100% rejected (invalid_timestamp {N_CONTACTS})" in proc.stdout, proc.stdout[-3000:]
    assert "shop_orders: 100% rejected (orphan_foreign_key" in proc.stdout


def test_check_contract_before_building(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """`custseg check-contract`: first a missing required column (the structure check says what to
    add; nothing is built), then the fixed tables with their reject reasons (the staging layer
    run into scratch schemas, which are dropped again)."""
    from custseg.cli import main

    raw = tmp_path / "raw"
    write_minimal(raw, [EMAILS[_kind(i)] for i in range(N_CONTACTS)])
    database = tmp_path / "warehouse.duckdb"
    env = dbt_env(tmp_path)
    orders = pq.read_table(raw / "shop_orders").drop_columns(["currency"])
    pq.write_table(orders, raw / "shop_orders" / "part-0.parquet")
    load_duckdb(raw, path=database)
    assert main(["check-contract", "--database", str(database)]) == 1
    out = capsys.readouterr().out
    assert "raw.shop_orders: 48 rows" in out and "FIX: add the required columns currency (text)" in out
    assert "optional, missing (staged as null): account_id, first_name" in out
    assert "Rows per reject reason" not in out

    write_minimal(raw, [EMAILS[_kind(i)] for i in range(N_CONTACTS)])
    load_duckdb(raw, path=database)
    for name in ("DBT_TARGET_PATH", "DBT_LOG_PATH"):
        os.environ[name] = env[name]
    try:
        variables = f"{{as_of_date: '{AS_OF}', raw_tables_allowed_empty: {EMPTY_ALLOWED}}}"
        assert main(["check-contract", "--database", str(database), "--vars", variables]) == 0
    finally:
        for name in ("DBT_TARGET_PATH", "DBT_LOG_PATH"):
            os.environ.pop(name)
    out = capsys.readouterr().out
    assert "crm_contacts: 24 rows, 6 would be rejected (25%)" in out
    assert "  invalid_email 6 - one '@'" in out
    assert "shop_orders: 48 rows, 12 would be rejected (25%)" in out
    with connect_duckdb(database, read_only=True) as con:
        schemas = {r[0] for r in con.execute("select schema_name from information_schema.schemata").fetchall()}
    assert not {s for s in schemas if s.startswith("contract_check_")}, schemas
