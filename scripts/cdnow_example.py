"""The CDNOW worked example (docs/examples/cdnow.md): real transactions through the minimal contract.

    .venv/bin/python scripts/cdnow_example.py [--workdir /tmp/cdnow]

Maps the CDNOW 1/10th sample shipped by the `lifetimes` package (2,357 customers, 6,919 rows of
customer id, date, CDs bought, amount in USD) into the raw contract using only the minimal
columns: crm_contacts.contact_id, and per row one shop_orders row with order_id, contact_id,
order_status, currency, ordered_at and order_amount (no lines, no emails; every optional column
and the tables it does not need are left out or empty). Loads it into a fresh DuckDB warehouse,
builds the CLV models as of 1997-09-30 (the 39-week calibration period of the published
analyses) in USD with weeks as the time unit, runs `clv calibrate` for the holdout weeks 40-78
on the warehouse as built, and prints the published comparison: BG/NBD (Fader, Hardie & Lee
2005), Gamma-Gamma (Fader & Hardie 2013) and the holdout forecast against the 1,882 actual
repeat transactions.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from custseg import RAW_TABLES  # noqa: E402
from custseg.dbt_env import scratch_dbt_env  # noqa: E402
from custseg.generate import schema_for  # noqa: E402

AS_OF = "1997-09-30"
HOLDOUT_END = "1998-06-30"
LOADED_AT = "1998-07-01 00:00:00"
PUBLISHED = {
    # BG/NBD, Fader, Hardie & Lee (2005), "Counting your customers the easy way"
    "r": 0.243,
    "alpha": 4.414,
    "a": 0.793,
    "b": 2.426,
    # Gamma-Gamma, Fader & Hardie (2013), "The Gamma-Gamma model of monetary value" (v = gamma)
    "p": 6.25,
    "q": 3.74,
    "v": 15.44,
}
PUBLISHED_HOLDOUT_ACTUAL = 1882
# Required columns only (models/staging/*/_*__sources.yml); the events table has no optional
# columns and is written with its full schema, empty.
MINIMAL_COLUMNS = {
    "crm_accounts": ["account_id"],
    "crm_contacts": ["contact_id"],
    "crm_deals": ["deal_id", "account_id", "deal_stage", "amount", "currency", "created_at"],
    "crm_subscriptions": ["subscription_id", "account_id", "plan", "mrr", "currency", "started_at", "status"],
    "shop_orders": ["order_id", "contact_id", "order_status", "currency", "ordered_at", "order_amount"],
    "shop_order_lines": ["order_line_id", "order_id", "product_id", "quantity"],
}
EMPTY_TABLES = [t for t in RAW_TABLES if t not in ("crm_contacts", "shop_orders")]
DBT_VARS = (
    f"{{as_of_date: '{AS_OF}', reporting_currency: USD, clv_time_unit_days: 7, clv_horizon: '39 weeks', "
    f"raw_tables_allowed_empty: [{', '.join(EMPTY_TABLES)}]}}"
)


def cdnow_sample_path() -> Path:
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the lifetimes package (which ships the CDNOW sample) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / "CDNOW_sample.txt"


def read_cdnow(path: Path | None = None) -> pd.DataFrame:
    """Columns: master id, sample customer id (1..2357), date YYYYMMDD, CDs bought, amount (USD)."""
    return pd.read_csv(
        path or cdnow_sample_path(),
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "quantity", "amount"],
        dtype={"date": str},
    )


def _write(out: Path, table: str, columns: dict[str, list]) -> None:
    """One Parquet file holding exactly these text columns and _loaded_at."""
    folder = out / table
    folder.mkdir(parents=True, exist_ok=True)
    n = len(next(iter(columns.values())))
    arrays = {name: pa.array(values, pa.string()) for name, values in columns.items()}
    arrays["_loaded_at"] = pa.array(pd.to_datetime([LOADED_AT] * n), pa.timestamp("us"))
    pq.write_table(pa.table(arrays), folder / "part-00000.parquet")


def write_minimal_contract(cdnow: pd.DataFrame, out: Path) -> None:
    """One contact per customer (contact_id only) and one completed USD order per CDNOW row whose
    order_amount is the row's amount (zero-amount rows stay: a purchase occasion without revenue,
    as in the published analyses). Every other table is empty."""
    customers = sorted(cdnow["customer_id"].unique())
    _write(out, "crm_contacts", {"contact_id": [f"C{c:05d}" for c in customers]})
    n = len(cdnow)
    _write(
        out,
        "shop_orders",
        {
            "order_id": [f"O{i:06d}" for i in range(n)],
            "contact_id": [f"C{c:05d}" for c in cdnow["customer_id"]],
            "order_status": ["completed"] * n,
            "currency": ["USD"] * n,
            "ordered_at": [f"{d[:4]}-{d[4:6]}-{d[6:]}" for d in cdnow["date"]],
            "order_amount": [f"{amount:.2f}" for amount in cdnow["amount"]],
        },
    )
    for table in EMPTY_TABLES:
        folder = out / table
        folder.mkdir(parents=True, exist_ok=True)
        schema = schema_for(table)
        if table in MINIMAL_COLUMNS:
            schema = pa.schema([schema.field(c) for c in [*MINIMAL_COLUMNS[table], "_loaded_at"]])
        pq.write_table(schema.empty_table(), folder / "part-00000.parquet")


def build(workdir: Path, env: dict[str, str], select: list[str] | None = None) -> subprocess.CompletedProcess:
    """Load the raw files and build the CLV models and the quarantine guard (staging for every
    raw table). Unit tests are the project's own tests (run them on the sample); their fixtures
    take the raw tables' columns, which this export lacks."""
    from custseg.load import load_duckdb

    load_duckdb(workdir / "raw", path=Path(env["DBT_DUCKDB_PATH"]))
    select = [*(select or ["+contact_clv"]), "+staging_quarantine_rates"]
    args = ["build", "-s", *select, "--indirect-selection", "cautious"]
    args += ["--exclude-resource-type", "unit_test", "--vars", DBT_VARS]
    dbt = Path(sys.executable).parent / "dbt"
    return subprocess.run([str(dbt), *args], cwd=PROJECT_DIR, env=env, capture_output=True, text=True)


def compare(database: Path) -> dict:
    """The fitted parameters (clv_parameters) and the calibration on the warehouse as built."""
    from custseg import clv
    from custseg.layers import connect_duckdb

    with connect_duckdb(database, read_only=True) as con:
        fitted = con.execute("select * from clv_parameters").df().iloc[0]
        orders = con.execute("select * from int_orders__net_revenue").df()
    transactions = clv.transactions_from_orders(orders)
    parameters, per_customer = clv.calibrate(transactions, AS_OF, HOLDOUT_END, 7)
    tracking = clv.weekly_tracking(transactions, parameters, AS_OF, HOLDOUT_END, 7)
    return {"fitted": fitted, "calibration": parameters.iloc[0], "per_customer": per_customer, "tracking": tracking}


def report(result: dict) -> str:
    fitted = result["fitted"]
    lines = [f"{'parameter':<10} {'published':>10} {'this build':>11} {'difference':>11}"]
    for name, published in PUBLISHED.items():
        ours = float(fitted[name])
        lines.append(f"{name:<10} {published:>10.3f} {ours:>11.3f} {100 * (ours / published - 1):>10.2f}%")
    holdout = result["tracking"][result["tracking"]["period"] == "holdout"]
    per_customer = result["per_customer"]
    lines.append(
        f"holdout weeks {holdout['week'].min()}-{holdout['week'].max()} ({AS_OF} to {HOLDOUT_END}), "
        f"repeat transactions of the 2,357 customers: actual {int(per_customer['actual_holdout'].sum()):,} "
        f"(published {PUBLISHED_HOLDOUT_ACTUAL:,}); BG/NBD forecast, conditional on each customer's "
        f"history {per_customer['predicted_holdout'].sum():,.1f}, unconditional tracking curve "
        f"{holdout['predicted'].sum():,.1f}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=PROJECT_DIR / "warehouse" / "cdnow")
    args = parser.parse_args(argv)
    workdir = args.workdir.resolve()
    write_minimal_contract(read_cdnow(), workdir / "raw")
    env = scratch_dbt_env(workdir)
    proc = build(workdir, env)
    if proc.returncode != 0:
        print(proc.stdout[-4000:], file=sys.stderr)
        return proc.returncode
    print(report(compare(Path(env["DBT_DUCKDB_PATH"]))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
