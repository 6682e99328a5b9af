"""The bad-input corpus (tests_py/corpus/bad_rows.py) on top of the tiny sample: one `dbt build`
must not crash, every corpus row must meet its declared fate (a reject_reason, or staged with
the expected values), and row accounting must balance."""

from __future__ import annotations

import json
import math
import shutil
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from conftest import AS_OF, STAGING_MODELS, dbt_env, run_dbt, run_results
from corpus.bad_rows import CORPUS, ID_COLUMN, PREFIX, TEMPLATE, BadKind, Row, Staged
from custseg import RAW_TABLES
from custseg.generate import schema_for
from custseg.layers import connect_duckdb

pytestmark = pytest.mark.slow

EVENTS_LOAD_TIME = "2026-07-01 00:00:00"
LOADED_BASE = datetime(2026, 7, 1, 1, 0, 0)  # the sample's rows were loaded at 02:00:00
OCCURRED_BASE = datetime(2026, 6, 1, 10, 0, 0)
EVENT_KEY = ("occurred_at", "received_at")


# --------------------------------------------------------------------------- templates


def _clean(table: pa.Table, id_column: str, prefix: str) -> pa.Table:
    """Rows of the generated sample that are clean: ids outside the reserved dirty (9...) and
    orphan (8...) ranges."""
    ids = table[id_column]
    keep = pc.and_(pc.starts_with(ids, prefix + "0"), pc.invert(pc.is_null(ids)))
    return table.filter(keep).sort_by(id_column)


def _templates(data: Path) -> dict[str, dict]:
    """One clean, valid template row per raw table."""
    raw = {t: pq.read_table(data / t) for t in RAW_TABLES}
    out: dict[str, dict] = {}
    accounts = _clean(raw["crm_accounts"], "account_id", "A")
    out["crm_accounts"] = accounts.slice(0, 1).to_pylist()[0]
    contacts = _clean(raw["crm_contacts"], "contact_id", "C")
    consumers = contacts.filter(pc.equal(contacts["account_id"], ""))
    out["crm_contacts"] = consumers.slice(0, 1).to_pylist()[0]
    deals = _clean(raw["crm_deals"], "deal_id", "D")
    out["crm_deals"] = deals.filter(pc.starts_with(deals["contact_id"], "C0")).slice(0, 1).to_pylist()[0]
    out["crm_subscriptions"] = _clean(raw["crm_subscriptions"], "subscription_id", "S").slice(0, 1).to_pylist()[0]
    orders = _clean(raw["shop_orders"], "order_id", "O")
    orders = orders.filter(pc.starts_with(orders["contact_id"], "C0"))
    out["shop_orders"] = orders.slice(0, 1).to_pylist()[0]
    eur_orders = orders.filter(pc.equal(pc.utf8_upper(orders["currency"]), "EUR"))["order_id"]
    lines = _clean(raw["shop_order_lines"], "order_line_id", "L")
    out["shop_order_lines"] = lines.filter(pc.is_in(lines["order_id"], eur_orders)).slice(0, 1).to_pylist()[0]
    events = raw["events"].filter(
        pc.and_(pc.starts_with(raw["events"]["contact_id"], "C0"), pc.equal(raw["events"]["event_type"], "page_view"))
    )
    out["events"] = _clean(events, "event_id", "E").slice(0, 1).to_pylist()[0]
    return out


def _ts(value: object) -> object:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def build_corpus(data: Path) -> list[dict]:
    """Append the corpus as one extra Parquet file per table; return one record per row."""
    templates = _templates(data)
    records: list[dict] = []
    by_table: dict[str, list[dict]] = {t: [] for t in RAW_TABLES}
    number = 0
    for bad in CORPUS:
        for i, row in enumerate(bad.rows):
            number += 1
            values = dict(templates[bad.table])
            values.update({c: v.replace("{marker}", str(number)) for c, v in TEMPLATE[bad.table].items()})
            values[ID_COLUMN[bad.table]] = f"{PREFIX[bad.table]}-corpus-{number:03d}"
            overrides = dict(row.overrides)
            offset = int(overrides.pop("_loaded_offset", 0))
            if bad.table == "events":
                occurred = OCCURRED_BASE + timedelta(seconds=number)
                values["occurred_at"], values["received_at"] = occurred, occurred + timedelta(minutes=5)
                values.update({c: _ts(v) if c in EVENT_KEY else v for c, v in overrides.items()})
                key = tuple(values[c] for c in EVENT_KEY)
            else:
                values["_loaded_at"] = LOADED_BASE + timedelta(seconds=number + offset)
                values.update(overrides)
                key = (values["_loaded_at"],)
            by_table[bad.table].append(values)
            records.append({"bad": bad, "row": row, "index": i, "key": key, "values": values})
    keys = Counter((r["bad"].table, r["key"]) for r in records)
    assert all(n == 1 for n in keys.values()), f"corpus markers are not unique: {keys.most_common(3)}"
    for table, rows in by_table.items():
        if rows:
            # optional contract columns the sample does not carry (order_amount, line_amount):
            # text, null in the sample's files (the loader reads the files by column name)
            schema = schema_for(table)
            extra = sorted({c for r in rows for c in r} - set(schema.names))
            for column in extra:
                schema = schema.append(pa.field(column, pa.string()))
            pq.write_table(pa.Table.from_pylist(rows, schema=schema), data / table / "corpus.parquet")
    return records


# --------------------------------------------------------------------------- fates


def _fetch(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _found_rows(con: duckdb.DuckDBPyConnection, table: str, records: list[dict]) -> tuple[dict, list[str]]:
    """{marker key: [(fate, row), ...]} from the staging model and its rejected twin."""
    columns = EVENT_KEY if table == "events" else ("_loaded_at",)
    keys = pa.Table.from_pylist(
        [dict(zip(columns, r["key"], strict=True)) for r in records if r["bad"].table == table],
        schema=pa.schema([(c, pa.timestamp("us")) for c in columns]),
    )
    con.register(f"corpus_keys_{table}", keys)
    on = " and ".join(f"m.{c} is not distinct from k.{c}" for c in columns)
    found: dict[tuple, list[tuple[str, dict]]] = {}
    errors = []
    model = STAGING_MODELS[table]
    for relation, fate in ((model, "staged"), (f"{model}_rejected", None)):
        try:
            rows = _fetch(con, f"select m.* from {relation} as m join corpus_keys_{table} as k on {on}")
        except duckdb.Error as exc:
            errors.append(f"{relation}: cannot be read ({str(exc).splitlines()[0]})")
            continue
        for row in rows:
            key = tuple(row[c] for c in columns)
            found.setdefault(key, []).append((fate or row["reject_reason"], row))
    return found, errors


def _same(expected: object, actual: object) -> bool:
    if expected is None or actual is None:
        return expected is None and actual is None
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual or expected == actual
    if isinstance(expected, int | float) and isinstance(actual, int | float | Decimal):
        a, e = float(actual), float(expected)
        return (math.isnan(a) and math.isnan(e)) or math.isclose(a, e, rel_tol=1e-9, abs_tol=1e-9)
    return _text(actual) == str(expected)


def _text(value: object) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f" if value.microsecond else "%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _expected_text(row: Row) -> str:
    if isinstance(row.expect, Staged):
        shown = ", ".join(f"{c}={v!r}" for c, v in row.expect.values.items())
        return f"staged ({row.expect.normalisation}{': ' + shown if shown else ''})"
    return row.expect


def _check(record: dict, found: list[tuple[str, dict]]) -> str | None:
    """None when the row met its fate, else what happened instead."""
    row: Row = record["row"]
    if not found:
        return "lost: in neither the staging model nor its rejected twin"
    if len(found) > 1:
        return "landed " + str(len(found)) + " times: " + ", ".join(f for f, _ in found)
    fate, actual = found[0]
    if not isinstance(row.expect, Staged):
        return None if fate == row.expect else fate
    if fate != "staged":
        return fate
    wrong = []
    for column, value in row.expect.values.items():
        if column not in actual:
            wrong.append(f"{column}: column missing")
        elif not _same(value, actual[column]):
            wrong.append(f"{column}={_text(actual[column])!r}")
    return "staged with " + ", ".join(wrong) if wrong else None


def _one_line(message: str | None, limit: int = 400) -> str:
    return " ".join(line.strip() for line in (message or "").splitlines() if line.strip())[:limit]


def _describe(records: list[dict]) -> str:
    kinds = {(r["bad"].table, r["bad"].kind) for r in records}
    tables = {r["bad"].table for r in records}
    return f"bad-input corpus: {len(kinds)} kinds, {len(records)} rows, {len(tables)} tables"


# --------------------------------------------------------------------------- the test


def test_bad_input_corpus(sample_data: dict, tmp_path: Path) -> None:
    from custseg.load import load_duckdb

    data = tmp_path / "raw"
    shutil.copytree(sample_data["dir"], data)
    records = build_corpus(data)
    summary = _describe(records)
    print(summary)
    per_table = Counter(r["bad"].table for r in records)
    print("  rows per table: " + ", ".join(f"{t} {per_table[t]}" for t in RAW_TABLES))
    assert len({(r["bad"].table, r["bad"].kind) for r in records}) >= 40 and set(per_table) == set(RAW_TABLES)

    env = dbt_env(tmp_path)
    load_duckdb(data, path=Path(env["DBT_DUCKDB_PATH"]))
    variables = f"{{as_of_date: '{AS_OF}', events_load_time: '{EVENTS_LOAD_TIME}'}}"
    proc = run_dbt(["build", "--vars", variables], env, check=False)
    results = run_results(tmp_path / "target") if (tmp_path / "target" / "run_results.json").exists() else {}

    problems: list[str] = []
    if not results:
        problems.append(f"dbt build produced no results:\n{proc.stdout[-3000:]}\n{proc.stderr[-1000:]}")
    failing = [(uid, r) for uid, r in results.items() if r["status"] not in ("success", "pass", "warn")]
    failing.sort(key=lambda item: (item[1]["status"] == "skipped", item[0]))  # errors and failures first
    broken = [f"{uid}: {r['status']} {_one_line(r.get('message'))}".rstrip() for uid, r in failing]
    warned = sorted(uid for uid, r in results.items() if r["status"] == "warn")
    if broken:
        problems.append(f"{len(broken)} nodes failed or were skipped:\n  " + "\n  ".join(broken[:60]))
    if warned:
        print("  warn-level tests: " + ", ".join(warned))

    mismatches: list[str] = []
    passed: list[str] = []
    with connect_duckdb(env["DBT_DUCKDB_PATH"], read_only=True) as con:
        for table in RAW_TABLES:
            found, errors = _found_rows(con, table, records)
            problems += errors
            for record in (r for r in records if r["bad"].table == table):
                bad: BadKind = record["bad"]
                outcome = _check(record, found.get(record["key"], []))
                label = f"{bad.table}.{bad.kind}" + (f"[{record['index']}]" if len(bad.rows) > 1 else "")
                if outcome is None:
                    passed.append(label)
                else:
                    mismatches.append(f"{label}: expected {_expected_text(record['row'])}, got {outcome}")
        try:
            accounting = _fetch(con, "select * from staging_row_accounting order by raw_table")
        except duckdb.Error as exc:
            accounting = []
            problems.append(f"staging_row_accounting cannot be read: {str(exc).splitlines()[0]}")
    expected_raw = {t: sample_data["manifest"]["row_counts"][t] + per_table[t] for t in RAW_TABLES}
    for row in accounting:
        if row["unaccounted_rows"] != 0 or row["raw_rows"] != expected_raw[row["raw_table"]]:
            problems.append(f"row accounting does not balance: {json.dumps(row, default=str)}")

    print(f"  corpus rows meeting their fate: {len(passed)} of {len(records)}")
    if mismatches:
        problems.append(f"{len(mismatches)} corpus rows did not meet their fate:\n  " + "\n  ".join(mismatches))
    assert not problems, summary + "\n" + "\n".join(problems)
