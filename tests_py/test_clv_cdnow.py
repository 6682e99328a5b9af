"""Reproduce Fader, Hardie & Lee (2005) through the project's raw input contract.

The CDNOW 1/10th sample (2,357 customers, shipped in the lifetimes wheel; lifetimes itself is not
imported) is written as raw crm_contacts / shop_orders / shop_order_lines Parquet files, loaded,
and built with `dbt build -s +contact_clv` as of 1997-09-30 (a 39-week calibration period) in
USD with weeks as the time unit. The fitted BG/NBD parameters must be the published ones:
r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, log-likelihood -9582.4; and the Gamma-Gamma
ones of Fader, Hardie & Lee (2005, "RFM and CLV"): p = 6.25, q = 3.74, v = 15.44.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from scipy import special

from conftest import dbt_env, run_dbt, run_results
from custseg import RAW_TABLES
from custseg.generate import schema_for
from custseg.load import load_duckdb

pytestmark = pytest.mark.slow

AS_OF = "1997-09-30"
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_LL = -9582.4
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "v": 15.44}
LOADED_AT = "1998-07-01 00:00:00"


def cdnow_sample_path() -> Path:
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("the lifetimes package (which ships the CDNOW sample) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / "CDNOW_sample.txt"


def read_cdnow() -> pd.DataFrame:
    """Columns: master id, sample customer id (1..2357), date YYYYMMDD, CDs bought, amount (USD)."""
    return pd.read_csv(
        cdnow_sample_path(), sep=r"\s+", header=None,
        names=["master_id", "customer_id", "date", "quantity", "amount"], dtype={"date": str},
    )


def _write(out: Path, table: str, columns: dict[str, list]) -> None:
    schema = schema_for(table)
    folder = out / table
    folder.mkdir(parents=True)
    n = len(next(iter(columns.values()))) if columns else 0
    arrays = []
    for field in schema:
        values = columns.get(field.name, [None] * n)
        if pa.types.is_timestamp(field.type):
            arrays.append(pa.array(pd.to_datetime(pd.Series(values)), type=field.type))
        else:
            arrays.append(pa.array(values, type=field.type))
    pq.write_table(pa.Table.from_arrays(arrays, schema=schema), folder / "part-00000.parquet")


def write_raw_contract(cdnow: pd.DataFrame, out: Path) -> None:
    """One contact per customer, one completed USD order per CDNOW row with one line holding the
    row's amount (quantity 1, unit_price = amount). Zero-amount rows keep their order; their line
    is quarantined by staging (non_positive_amount), so the order has net revenue 0."""
    customers = sorted(cdnow["customer_id"].unique())
    ordered_at = [f"{d[:4]}-{d[4:6]}-{d[6:]} 12:00:00" for d in cdnow["date"]]
    n = len(cdnow)
    order_ids = [f"O{i:06d}" for i in range(n)]
    _write(out, "crm_contacts", {
        "contact_id": [f"C{c:05d}" for c in customers],
        "email": [f"customer{c:05d}@cdnow.example" for c in customers],
        "created_at": ["1997-01-01 00:00:00"] * len(customers),
        "updated_at": ["1997-01-01 00:00:00"] * len(customers),
        "is_deleted": ["false"] * len(customers),
        "_loaded_at": [LOADED_AT] * len(customers),
    })
    _write(out, "shop_orders", {
        "order_id": order_ids,
        "contact_id": [f"C{c:05d}" for c in cdnow["customer_id"]],
        "order_status": ["completed"] * n,
        "currency": ["USD"] * n,
        "ordered_at": ordered_at,
        "updated_at": ordered_at,
        "_loaded_at": [LOADED_AT] * n,
    })
    _write(out, "shop_order_lines", {
        "order_line_id": [f"L{i:06d}" for i in range(n)],
        "order_id": order_ids,
        "product_id": ["cd"] * n,
        "product_category": ["music"] * n,
        "quantity": ["1"] * n,
        "unit_price": [f"{amount:.2f}" for amount in cdnow["amount"]],
        "discount_amount": [""] * n,
        "_loaded_at": [LOADED_AT] * n,
    })
    for table in RAW_TABLES:
        if not (out / table).exists():
            _write(out, table, {})


@pytest.fixture(scope="module")
def cdnow_build(tmp_path_factory: pytest.TempPathFactory) -> dict:
    workdir = tmp_path_factory.mktemp("cdnow")
    cdnow = read_cdnow()
    write_raw_contract(cdnow, workdir / "raw")
    env = dbt_env(workdir)
    load_duckdb(workdir / "raw", path=Path(env["DBT_DUCKDB_PATH"]))
    dbt_vars = (
        f"{{as_of_date: '{AS_OF}', reporting_currency: USD, clv_time_unit_days: 7, "
        "clv_publish_purchase_curves: true}"
    )
    proc = run_dbt(
        ["build", "-s", "+contact_clv", "+clv_purchase_curves", "--indirect-selection", "cautious",
         "--vars", dbt_vars],
        env, check=False,
    )
    with duckdb.connect(env["DBT_DUCKDB_PATH"], read_only=True) as con:
        tables = {
            name: con.execute(f"select * from {name}").df()
            for name in ("clv_parameters", "contact_clv", "int_contacts__clv_summary")
        }
    return {"proc": proc, "results": run_results(workdir / "target"), "cdnow": cdnow, **tables}


def test_fx_rates_has_usd() -> None:
    from custseg import PROJECT_DIR

    rates = pd.read_csv(PROJECT_DIR / "seeds" / "fx_rates.csv")
    assert rates.loc[rates["currency_code"] == "USD", "units_per_usd"].tolist() == [1.0]


def test_build_passes(cdnow_build: dict) -> None:
    failed = {uid: r["status"] for uid, r in cdnow_build["results"].items() if r["status"] not in ("success", "pass")}
    assert cdnow_build["proc"].returncode == 0 and not failed, cdnow_build["proc"].stdout[-4000:]


def test_bgnbd_parameters_match_the_paper(cdnow_build: dict) -> None:
    row = cdnow_build["clv_parameters"].iloc[0]
    assert len(cdnow_build["clv_parameters"]) == 1
    assert row["status"] == "fitted" and bool(row["converged"])
    assert str(row["as_of_date"])[:10] == AS_OF and row["time_unit_days"] == 7
    assert (row["n_customers"], row["n_repeaters"]) == (2357, 946)
    for name, published in PUBLISHED_BGNBD.items():
        assert abs(row[name] - published) < 0.001, (name, row[name], published)
    assert abs(row["bgnbd_log_likelihood"] - PUBLISHED_LL) < 0.1


def test_gamma_gamma_parameters_match_the_paper(cdnow_build: dict) -> None:
    row = cdnow_build["clv_parameters"].iloc[0]
    assert row["n_monetary_repeaters"] == 946
    for name, published in PUBLISHED_GAMMA_GAMMA.items():
        assert abs(row[name] - published) < 0.01, (name, row[name], published)


def test_zero_amount_days_count_as_transactions(cdnow_build: dict) -> None:
    """The 8 zero-amount CDNOW rows are one-time buyers: counted as customers (as the paper
    does), with no revenue."""
    cdnow = cdnow_build["cdnow"]
    zero_customers = {f"C{c:05d}" for c in cdnow.loc[cdnow["amount"] == 0, "customer_id"]}
    assert len(zero_customers) == 8
    summary = cdnow_build["int_contacts__clv_summary"].set_index("contact_id")
    assert zero_customers <= set(summary.index)
    assert (summary.loc[sorted(zero_customers), "historical_net_revenue"] == 0).all()


def test_scores_match_scipy(cdnow_build: dict) -> None:
    """P(alive) and expected purchases in SQL equal the closed forms with scipy's 2F1."""
    params = cdnow_build["clv_parameters"].iloc[0]
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    clv = cdnow_build["contact_clv"]
    clv = clv[clv["clv_status"] == "fitted"]
    assert len(clv) == 2357
    x, t_x, t = (clv[c].to_numpy(float) for c in ("clv_frequency", "clv_recency", "clv_t"))
    horizon = 12 * 365.25 / 12 / 7
    odds = np.where(x > 0, a / (b + np.maximum(x, 1) - 1) * ((alpha + t) / (alpha + t_x)) ** (r + x), 0.0)
    p_alive = 1 / (1 + odds)
    z = horizon / (alpha + t + horizon)
    hyp = ((alpha + t) / (alpha + t + horizon)) ** (r + x) * special.hyp2f1(r + x, b + x, a + b + x - 1, z)
    expected = (a + b + x - 1) / (a - 1) * (1 - hyp) * p_alive
    assert np.abs(clv["p_alive"].to_numpy() - p_alive).max() <= 5e-7
    assert np.abs(clv["expected_purchases"].to_numpy() - expected).max() <= 5e-7
    assert clv[["predicted_clv", "expected_avg_order_value", "clv_percentile"]].notna().all().all()
    assert set(clv["clv_tier"]) == {"top", "high", "medium", "low"}
