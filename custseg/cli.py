"""One command line for the project: `python -m custseg <command>`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from custseg import PROJECT_DIR


def _add_generate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("generate", help="write deterministic synthetic raw data as Parquet")
    p.add_argument("--scale", default="tiny", help="tiny, small, medium, large or an event count (1M, 10M, 100M)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--as-of", default="2026-06-30", help="last day covered by the data (YYYY-MM-DD)")
    p.add_argument("--out", type=Path, default=PROJECT_DIR / "data" / "raw")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def _add_load(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("load", help="expose the raw Parquet files as the raw schema of a dbt target")
    p.add_argument("--target", default=None, help="duckdb, postgres or spark; defaults to $DBT_TARGET, else duckdb")
    p.add_argument("--data", type=Path, default=PROJECT_DIR / "data" / "raw")
    p.add_argument("--schema", default="raw")


def _add_validate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="run the Great Expectations checkpoint and write Data Docs")
    p.add_argument("--database", type=Path, default=None, help="DuckDB file; defaults to $DBT_DUCKDB_PATH")
    p.add_argument("--spec", type=Path, default=None, help="expectations YAML (default checks/expectations.yml)")
    p.add_argument("--gx-dir", type=Path, default=None, help="where the GX project and Data Docs go")
    p.add_argument("--target", default=None, help="duckdb or postgres; defaults to $DBT_TARGET, else duckdb")
    p.add_argument("--batch-rows", type=int, default=None, help="rows per dataframe batch on DuckDB (default 2M)")


def _add_export(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="write per-segment member files and the diff since the previous export")
    p.add_argument("--out", type=Path, required=True, help="export folder (keeps the previous export's state)")
    p.add_argument("--target", default=None, help="duckdb or postgres; defaults to $DBT_TARGET, else duckdb")
    p.add_argument("--database", type=Path, default=None, help="DuckDB file; defaults to $DBT_DUCKDB_PATH")


def _add_erase(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "erase",
        help="record a request to erase a person; the next build removes them (docs/privacy.md)",
    )
    p.add_argument("--contact-id", default=None, help="CRM contact id of the person")
    p.add_argument("--email", default=None, help="email of the person (every contact with it is erased)")
    p.add_argument("--target", default=None, help="duckdb, postgres or spark; defaults to $DBT_TARGET, else duckdb")
    p.add_argument("--database", type=Path, default=None, help="DuckDB file; defaults to $DBT_DUCKDB_PATH")
    p.add_argument("--schema", default="raw", help="raw schema (dbt var raw_schema)")


def _add_check_contract(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "check-contract",
        help="check the raw tables against the contract before building: tables, columns, types, reject reasons",
    )
    p.add_argument("--database", type=Path, default=None, help="DuckDB file; defaults to $DBT_DUCKDB_PATH")
    p.add_argument("--schema", default="raw", help="schema of the raw tables (var raw_schema)")
    p.add_argument("--vars", default=None, help='dbt --vars of your build, e.g. "{reporting_currency: USD}"')


def _add_publish(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("publish", help="copy the BI schemas (marts, segments) to bi.duckdb for readers, atomically")
    p.add_argument("--database", type=Path, default=None, help="DuckDB file; defaults to $DBT_DUCKDB_PATH")
    p.add_argument("--out", type=Path, default=None, help="published file (default: bi.duckdb beside the warehouse)")


def _add_history(sub: argparse._SubParsersAction) -> None:
    from custseg.clv_cli import TARGETS, _date

    p = sub.add_parser(
        "history",
        help="backfill the segment logs for earlier as-of dates, then rebuild the final as-of date",
    )
    p.add_argument("--as-of", type=_date, required=True, help="final as-of date (YYYY-MM-DD), built last")
    p.add_argument("--periods", type=int, default=12, help="earlier as-of dates to backfill (default 12)")
    p.add_argument("--every-days", type=int, default=7, help="days between backfilled dates (default 7)")
    p.add_argument("--target", choices=TARGETS, default=None, help="defaults to $DBT_TARGET, else duckdb")
    p.add_argument("--vars", default=None, help="further dbt --vars (the as-of date is set per run)")


def _add_report(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="write the offline HTML dashboard of segments, CLV and data quality")
    p.add_argument("--out", type=Path, required=True, help="folder for report.html")
    p.add_argument("--database", type=Path, default=None, help="DuckDB file; defaults to $DBT_DUCKDB_PATH")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="custseg", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    _add_generate(sub)
    _add_load(sub)
    _add_validate(sub)
    _add_export(sub)
    _add_check_contract(sub)
    _add_publish(sub)
    _add_history(sub)
    _add_report(sub)
    _add_erase(sub)
    from custseg import clv_cli

    clv_cli.add_clv(sub)
    clv_cli.add_build(sub)
    args = parser.parse_args(argv)
    from custseg.durable import UserError

    try:
        return _run(args)
    except (UserError, ValueError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    if args.command == "generate":
        from custseg.generate import generate

        manifest = generate(
            out_dir=args.out, scale=args.scale, seed=args.seed, as_of=args.as_of, progress=not args.no_progress
        )
        print(f"wrote {sum(manifest['row_counts'].values()):,} raw rows to {args.out}")
    elif args.command == "load":
        from custseg.load import load

        counts = load(target=args.target, data_dir=args.data, schema=args.schema)
        for table, n in counts.items():
            print(f"{args.schema}.{table}: {n:,} rows")
    elif args.command in ("clv", "build"):
        from custseg import clv_cli

        return clv_cli.run_clv(args) if args.command == "clv" else clv_cli.run_build(args)
    elif args.command == "export":
        from custseg.export import export_segments

        target = args.target or os.environ.get("DBT_TARGET", "duckdb")
        summary = export_segments(out_dir=args.out, target=target, database=args.database)
        print(summary.line())
    elif args.command == "check-contract":
        from custseg.contract import check
        from custseg.load import duckdb_path

        return check(args.database or duckdb_path(), schema=args.schema, dbt_vars=args.vars)
    elif args.command == "publish":
        from custseg.load import duckdb_path
        from custseg.publish import default_path, publish_bi

        database = args.database or duckdb_path()
        out = args.out or default_path(database)
        rows = publish_bi(database, out)
        print(f"published {len(rows)} tables ({sum(rows.values()):,} rows) to {out}")
    elif args.command == "history":
        import yaml

        from custseg.history import backfill

        extra = (yaml.safe_load(args.vars) or {}) if args.vars else {}
        return backfill(args.as_of, args.periods, args.every_days, target=args.target, extra_vars=extra)
    elif args.command == "report":
        from custseg.load import duckdb_path
        from custseg.report import write_report

        result = write_report(args.out, args.database or duckdb_path())
        print(result.line())
    elif args.command == "erase":
        from custseg.erasure import record_request

        request, added = record_request(
            args.contact_id, args.email, target=args.target, database=args.database, schema=args.schema
        )
        if added:
            print(f"recorded an erasure request for {request.describe()}; the next build removes them")
        else:
            print(f"an erasure request for {request.describe()} was already recorded; nothing added")
    elif args.command == "validate":
        from custseg import validate
        from custseg.load import duckdb_path

        target = args.target or os.environ.get("DBT_TARGET", "duckdb")
        result = validate.run_checkpoint(
            database=(args.database or duckdb_path()) if target == "duckdb" else None,
            spec_path=args.spec or validate.DEFAULT_SPEC,
            gx_dir=args.gx_dir or validate.DEFAULT_GX_DIR,
            target=target,
            batch_rows=args.batch_rows or validate.DEFAULT_BATCH_ROWS,
        )
        for failure in result.failures:
            print(failure)
        print(result.summary())
        return 0 if result.success else 1
    return 0
