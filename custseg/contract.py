"""`python -m custseg check-contract`: a user's raw tables against the raw input contract,
before any build (DuckDB).

1. Structure, read from the warehouse's raw schema and the sources YAML
   (models/staging/*/_*__sources.yml): which tables exist, their rows, which columns are present
   with which type, which required columns are missing (the build would stop), which optional
   ones are missing (filled with nulls) and which types do not match.
2. When the structure is sound: how many rows would get each reject reason. The staging layer is
   built into scratch schemas (prefix `contract_check_`, dropped afterwards), unit tests and data
   tests left out, and its audit tables read.
Every problem comes with what to fix.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from custseg import PROJECT_DIR

SCRATCH_PREFIX = "contract_check_"
TEXT_TYPES = {"varchar", "text", "string", "character varying"}
FIXES = {
    "missing_required_field": "fill the required column (README: Your own data, the contract per table)",
    "invalid_id": "ids are 1-64 letters, digits, '_', '-' or '.'",
    "invalid_email": "one '@', a dot in the domain, no spaces or control characters (or leave it blank)",
    "invalid_number": "plain numbers ('1200.50', '1,200.50'); no 'n/a', NaN or Infinity",
    "non_positive_amount": "amounts and quantities must be > 0 (order_amount, line_amount >= 0)",
    "out_of_range": "implausible values: see the plausible_* vars",
    "unknown_currency": "ISO 4217 codes present in seeds/fx_rates.csv",
    "unknown_country": "ISO 3166 codes or names present in seeds/country_aliases.csv",
    "invalid_value": "one of the accepted values listed in the staging YAML",
    "invalid_timestamp": "ISO timestamps: 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM:SS', optional 'T' and UTC offset",
    "future_timestamp": "timestamps after the row's _loaded_at: check _loaded_at and time zones",
    "orphan_foreign_key": "the referenced row (contact, account, order) is missing or was rejected itself",
    "malformed_json": "event properties must be a JSON object",
}


@dataclass
class TableReport:
    table: str
    relation: str
    exists: bool = False
    rows: int = 0
    columns: dict[str, str] = field(default_factory=dict)
    missing_required: list[str] = field(default_factory=list)
    missing_optional: list[str] = field(default_factory=list)
    wrong_types: list[str] = field(default_factory=list)


def contract() -> dict[str, dict[str, dict]]:
    """{table: {column: {"data_type": ..., "optional": bool}}} from the sources YAML."""
    out: dict[str, dict[str, dict]] = {}
    for path in sorted((PROJECT_DIR / "models" / "staging").glob("*/_*__sources.yml")):
        for source in yaml.safe_load(path.read_text())["sources"]:
            for table in source["tables"]:
                out[table["name"]] = {
                    c["name"]: {
                        "data_type": c.get("data_type", ""),
                        "optional": bool(((c.get("config") or {}).get("meta") or {}).get("optional")),
                    }
                    for c in table.get("columns", [])
                }
    return out


def _family(type_name: str) -> str:
    base = type_name.lower().split("(")[0].strip()
    if base in TEXT_TYPES:
        return "text"
    if base.startswith("timestamp") and "time zone" not in base and base != "timestamptz":
        return "timestamp"
    return base


def check_structure(con, schema: str = "raw") -> list[TableReport]:
    reports = []
    for table, columns in contract().items():
        report = TableReport(table, f"{schema}.{table}")
        found = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, table],
        ).fetchall()
        if found:
            report.exists = True
            report.columns = {name.lower(): dtype for name, dtype in found}
            report.rows = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
        for name, spec in columns.items():
            actual = report.columns.get(name)
            if actual is None:
                (report.missing_optional if spec["optional"] else report.missing_required).append(name)
            elif spec["data_type"] and _family(actual) != _family(spec["data_type"]):
                report.wrong_types.append(f"{name} is {actual}, expected {spec['data_type']}")
        reports.append(report)
    return reports


def structure_text(reports: list[TableReport]) -> tuple[str, bool]:
    lines, sound = [], True
    for r in reports:
        if not r.exists:
            sound = False
            lines.append(f"{r.relation}: MISSING - create it (it may be empty: var raw_tables_allowed_empty)")
            continue
        lines.append(f"{r.relation}: {r.rows:,} rows, columns: " + ", ".join(f"{c} {t}" for c, t in r.columns.items()))
        if r.missing_required:
            sound = False
            lines.append(f"  FIX: add the required columns {', '.join(r.missing_required)} (text)")
        if r.wrong_types:
            sound = False
            lines.append("  FIX: " + "; ".join(r.wrong_types))
        if r.missing_optional:
            lines.append(f"  optional, missing (staged as null): {', '.join(r.missing_optional)}")
        if r.rows == 0:
            lines.append("  empty: the build stops unless the table is in var raw_tables_allowed_empty")
    return "\n".join(lines), sound


def reject_counts(database: Path, dbt_vars: str | None) -> tuple[int, str, list[tuple]]:
    """Build the staging layer into scratch schemas (seeds and models, no tests), read every
    raw table's reject reasons: (returncode, dbt output, [(raw_table, raw_rows, reason, rows)]).
    The scratch schemas are dropped afterwards."""
    from custseg.durable import connect_duckdb

    env = dict(os.environ, DBT_SCHEMA_PREFIX=SCRATCH_PREFIX, DBT_DUCKDB_PATH=str(database))
    env.setdefault("DBT_PROFILES_DIR", str(PROJECT_DIR))
    dbt = str(Path(sys.executable).parent / "dbt")
    extra = ["--vars", dbt_vars] if dbt_vars else []
    output = ""
    try:
        for command in ("seed", "run"):
            proc = subprocess.run(
                [dbt, command, "-s", "+staging_quarantine_rates", *extra],
                cwd=PROJECT_DIR,
                env=env,
                capture_output=True,
                text=True,
            )
            output += proc.stdout
            if proc.returncode != 0:
                return proc.returncode, output, []
        audit = SCRATCH_PREFIX + "audit"
        rows: list[tuple] = []
        with connect_duckdb(database, read_only=True) as con:
            tables = con.execute(
                f'select raw_table, staging_model, raw_rows from "{audit}".staging_row_accounting order by raw_table'
            ).fetchall()
            for raw_table, model, raw_rows in tables:
                reasons = con.execute(
                    f'select reject_reason, count(*) from "{audit}"."{model}_rejected" '
                    "group by reject_reason order by count(*) desc, reject_reason"
                ).fetchall()
                rows += [(raw_table, raw_rows, reason, n) for reason, n in reasons] or [(raw_table, raw_rows, None, 0)]
        return 0, output, rows
    finally:
        drop_scratch(database)


def reasons_text(rows: list[tuple]) -> str:
    lines = []
    for table in dict.fromkeys(r[0] for r in rows):
        mine = [r for r in rows if r[0] == table and r[2] is not None]
        raw_rows = next(r[1] for r in rows if r[0] == table)
        rejected = sum(n for _, _, reason, n in mine if reason != "duplicate")
        share = rejected / raw_rows if raw_rows else 0.0
        lines.append(f"{table}: {raw_rows:,} rows, {rejected:,} would be rejected ({share:.0%})")
        for _, _, reason, n in mine:
            hint = (
                "another row with the same id wins (no action needed)" if reason == "duplicate" else FIXES.get(reason)
            )
            lines.append(f"  {reason} {n:,}" + (f" - {hint}" if hint else ""))
    return "\n".join(lines)


def check(database: Path, schema: str = "raw", dbt_vars: str | None = None) -> int:
    """Print the structure check, then (when it is sound) the reject reasons. 0 when nothing
    must be fixed before building, 1 otherwise."""
    from custseg.durable import connect_duckdb

    with connect_duckdb(database, read_only=True) as con:
        text, sound = structure_text(check_structure(con, schema))
    print("Raw tables against the contract (models/staging/*/_*__sources.yml):")
    print(text)
    if not sound:
        print("Fix the problems marked FIX, then check again: the build would stop before any model runs.")
        return 1
    code, output, rows = reject_counts(database, dbt_vars)
    if code != 0:
        print(output[-3000:])
        return code
    print("Rows per reject reason (staging run into scratch schemas, dropped again):")
    print(reasons_text(rows))
    return 0


def drop_scratch(database: Path) -> None:
    from custseg.durable import connect_duckdb

    with connect_duckdb(database) as con:
        for (name,) in con.execute(
            "select schema_name from information_schema.schemata where schema_name like ?", [SCRATCH_PREFIX + "%"]
        ).fetchall():
            con.execute(f'drop schema "{name}" cascade')
