"""`python -m custseg clv fit|calibrate` and `python -m custseg build` (argument parsing and output)."""

from __future__ import annotations

import argparse
from datetime import date

import pandas as pd

TARGETS = ("duckdb", "postgres", "spark")


def _date(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got '{text}'") from None


def add_clv(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("clv", help="customer lifetime value: fit the models, calibrate on a holdout")
    clv_sub = p.add_subparsers(dest="clv_command", required=True)
    fit = clv_sub.add_parser(
        "fit",
        help="fit BG/NBD, Pareto/NBD and Gamma-Gamma on int_contacts__clv_summary, write clv_parameters_fit",
    )
    fit.add_argument("--target", choices=TARGETS, default=None, help="defaults to $DBT_TARGET, else duckdb")
    fit.add_argument(
        "--schema", default=None, help="schema to write clv_parameters_fit to (var clv_fit_schema, else marts)"
    )
    fit.add_argument("--as-of", type=_date, default=None, help="as-of date when the summary is empty")
    cal = clv_sub.add_parser("calibrate", help="fit on transactions up to --split-date, compare the holdout")
    cal.add_argument("--split-date", type=_date, required=True, help="last day of the calibration period")
    cal.add_argument("--end-date", type=_date, default=None, help="last day of the holdout (default: last transaction)")
    cal.add_argument("--target", choices=TARGETS, default=None, help="defaults to $DBT_TARGET, else duckdb")
    cal.add_argument("--time-unit-days", type=float, default=None, help="default: var clv_time_unit_days")
    cal.add_argument("--per-customer", default=None, help="write the per-customer comparison to this CSV file")


def add_build(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "build", help="dbt build; on engines without dbt Python models also the CLV fit between the two halves"
    )
    p.add_argument("--target", choices=TARGETS, default=None, help="defaults to $DBT_TARGET, else duckdb")
    p.add_argument("--vars", default=None, help="dbt --vars, e.g. \"{as_of_date: '2026-06-30'}\"")


def _target(args: argparse.Namespace) -> str:
    import os

    return args.target or os.environ.get("DBT_TARGET", "duckdb")


def run_clv(args: argparse.Namespace) -> int:
    from custseg import clv, clv_io

    target = _target(args)
    if args.clv_command == "fit":
        row = clv_io.fit_and_write(target, schema=args.schema, as_of=args.as_of).iloc[0]
        print(f"{row['status']}: {row['message']}")
        if row["status"] == clv.STATUS_FITTED:
            print(
                f"r={row['r']:.6g} alpha={row['alpha']:.6g} a={row['a']:.6g} b={row['b']:.6g} "
                f"p={row['p']:.6g} q={row['q']:.6g} v={row['v']:.6g} LL={row['bgnbd_log_likelihood']:.2f}"
            )
            if pd.notna(row["pnbd_r"]):
                print(
                    f"Pareto/NBD r={row['pnbd_r']:.6g} alpha={row['pnbd_alpha']:.6g} s={row['pnbd_s']:.6g} "
                    f"beta={row['pnbd_beta']:.6g} LL={row['pareto_nbd_log_likelihood']:.2f}"
                )
            print(f"scoring model: {row['clv_model']} ({row['selection_reason']})")
        return 0
    # every staged order, not only those before the warehouse's as-of date: the holdout after it
    orders = clv_io.read_model(target, clv_io.ORDERS_MODEL)
    transactions = clv.transactions_from_orders(orders)
    if transactions.empty:
        raise ValueError(f"no transactions in {clv_io.ORDERS_MODEL}: nothing to calibrate")
    end = args.end_date or str(pd.to_datetime(transactions["transaction_date"]).max().date())
    unit = args.time_unit_days or float(clv_io.project_vars()["clv_time_unit_days"])
    parameters, per_customer = clv.calibrate(transactions, args.split_date, end, unit, clv_io.minimum_data_from_vars())
    print(f"calibration: up to {args.split_date}; holdout: after it up to {end}; time unit {unit:g} days")
    print(clv.calibration_report(parameters, per_customer))
    if parameters.iloc[0]["status"] == clv.STATUS_FITTED:
        print(clv.tracking_report(clv.weekly_tracking(transactions, parameters, args.split_date, end, unit)))
    if args.per_customer:
        per_customer.to_csv(args.per_customer, index=False)
        print(f"per-customer comparison written to {args.per_customer}")
    return 0


def run_build(args: argparse.Namespace) -> int:
    from custseg import clv_io

    return clv_io.run_build(_target(args), args.vars)
