"""Reproduce Fader, Hardie & Lee (2005) through the project's raw input contract.

The CDNOW 1/10th sample (2,357 customers, shipped in the lifetimes wheel; lifetimes itself is not
imported) is written as raw crm_contacts / shop_orders / shop_order_lines Parquet files, loaded,
and built with `dbt build -s +contact_clv` as of 1997-09-30 (a 39-week calibration period) in
USD with weeks as the time unit. The fitted BG/NBD parameters must be the published ones:
r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, log-likelihood -9582.4; and the Gamma-Gamma
ones of Fader, Hardie & Lee (2005, "RFM and CLV"): p = 6.25, q = 3.74, v = 15.44; and the
Pareto/NBD ones of the same paper: r = 0.553, alpha = 10.578, s = 0.606, beta = 11.669,
log-likelihood -9595.0. With the default clv_model auto the fit step compares both models on the
last quarter of the 39 weeks and picks Pareto/NBD; contact_clv is scored with it.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from scipy import special

from conftest import dbt_env, run_dbt, run_results
from custseg import RAW_TABLES
from custseg.generate import schema_for
from custseg.layers import connect_duckdb
from custseg.load import load_duckdb

pytestmark = pytest.mark.slow

AS_OF = "1997-09-30"
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_LL = -9582.4
PUBLISHED_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "v": 15.44}
PUBLISHED_PARETO_NBD = {"pnbd_r": 0.553, "pnbd_alpha": 10.578, "pnbd_s": 0.606, "pnbd_beta": 11.669}
PUBLISHED_PARETO_NBD_LL = -9595.0
LOADED_AT = "1998-07-01 00:00:00"


def cdnow_sample_path() -> Path:
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("the lifetimes package (which ships the CDNOW sample) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / "CDNOW_sample.txt"


def read_cdnow() -> pd.DataFrame:
    """Columns: master id, sample customer id (1..2357), date YYYYMMDD, CDs bought, amount (USD)."""
    return pd.read_csv(
        cdnow_sample_path(),
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "quantity", "amount"],
        dtype={"date": str},
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
    _write(
        out,
        "crm_contacts",
        {
            "contact_id": [f"C{c:05d}" for c in customers],
            "email": [f"customer{c:05d}@cdnow.example" for c in customers],
            "created_at": ["1997-01-01 00:00:00"] * len(customers),
            "updated_at": ["1997-01-01 00:00:00"] * len(customers),
            "is_deleted": ["false"] * len(customers),
            "_loaded_at": [LOADED_AT] * len(customers),
        },
    )
    _write(
        out,
        "shop_orders",
        {
            "order_id": order_ids,
            "contact_id": [f"C{c:05d}" for c in cdnow["customer_id"]],
            "order_status": ["completed"] * n,
            "currency": ["USD"] * n,
            "ordered_at": ordered_at,
            "updated_at": ordered_at,
            "_loaded_at": [LOADED_AT] * n,
        },
    )
    _write(
        out,
        "shop_order_lines",
        {
            "order_line_id": [f"L{i:06d}" for i in range(n)],
            "order_id": order_ids,
            "product_id": ["cd"] * n,
            "product_category": ["music"] * n,
            "quantity": ["1"] * n,
            "unit_price": [f"{amount:.2f}" for amount in cdnow["amount"]],
            "discount_amount": [""] * n,
            "_loaded_at": [LOADED_AT] * n,
        },
    )
    for table in RAW_TABLES:
        if not (out / table).exists():
            _write(out, table, {})  # allowed empty: see raw_tables_allowed_empty below


@pytest.fixture(scope="module")
def cdnow_build(tmp_path_factory: pytest.TempPathFactory) -> dict:
    workdir = tmp_path_factory.mktemp("cdnow")
    cdnow = read_cdnow()
    write_raw_contract(cdnow, workdir / "raw")
    env = dbt_env(workdir)
    load_duckdb(workdir / "raw", path=Path(env["DBT_DUCKDB_PATH"]))
    dbt_vars = (
        f"{{as_of_date: '{AS_OF}', reporting_currency: USD, clv_time_unit_days: 7, "
        "clv_publish_purchase_curves: true, "
        "raw_tables_allowed_empty: [crm_accounts, crm_deals, crm_subscriptions, events]}"
    )
    proc = run_dbt(
        ["build", "-s", "+contact_clv", "+clv_purchase_curves", "--indirect-selection", "cautious", "--vars", dbt_vars],
        env,
        check=False,
    )
    with connect_duckdb(env["DBT_DUCKDB_PATH"], read_only=True) as con:
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
    # warn: the CDNOW product "cd" is not in product_catalog (staged, counted by a warn-level test)
    failed = {
        uid: r["status"] for uid, r in cdnow_build["results"].items() if r["status"] not in ("success", "pass", "warn")
    }
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


def test_pareto_nbd_parameters_match_the_paper(cdnow_build: dict) -> None:
    row = cdnow_build["clv_parameters"].iloc[0]
    for name, published in PUBLISHED_PARETO_NBD.items():
        assert abs(row[name] / published - 1) < 0.005, (name, row[name], published)
    assert abs(row["pareto_nbd_log_likelihood"] / PUBLISHED_PARETO_NBD_LL - 1) < 0.005
    assert round(row["pareto_nbd_log_likelihood"], 1) == PUBLISHED_PARETO_NBD_LL


def test_pareto_nbd_parameters_match_lifetimes(cdnow_build: dict) -> None:
    from lifetimes import ParetoNBDFitter

    summary = cdnow_build["int_contacts__clv_summary"]
    fitter = ParetoNBDFitter().fit(summary["frequency"], summary["recency"], summary["t"])
    row = cdnow_build["clv_parameters"].iloc[0]
    for name in ("r", "alpha", "s", "beta"):
        assert row[f"pnbd_{name}"] == pytest.approx(fitter.params_[name], rel=2e-4)
    assert row["pareto_nbd_log_likelihood"] >= -fitter._negative_log_likelihood_ * len(summary) - 1e-6


def test_auto_picks_pareto_nbd_on_the_holdout(cdnow_build: dict) -> None:
    """The last quarter of the 272 observed days (1997-07-25 to 09-30) as the holdout: both models
    fitted on the 2,357 customers' first 204 days, judged on their 556 repeat transactions."""
    row = cdnow_build["clv_parameters"].iloc[0]
    assert row["clv_model_setting"] == "auto" and row["clv_model"] == "pareto_nbd"
    assert str(row["holdout_split_date"])[:10] == "1997-07-24"
    assert (row["holdout_customers"], row["holdout_actual_purchases"]) == (2357, 556)
    assert row["holdout_pareto_nbd_mae"] < row["holdout_bgnbd_mae"]
    assert row["holdout_pareto_nbd_mae"] == pytest.approx(0.2924, abs=1e-4)
    assert row["holdout_bgnbd_mae"] == pytest.approx(0.3007, abs=1e-4)
    assert row["selection_reason"].startswith("auto: Pareto/NBD has the smaller holdout error per customer")


def test_scores_match_scipy(cdnow_build: dict) -> None:
    """P(alive) and expected purchases in SQL equal the closed forms of the selected model:
    scipy's 2F1 for BG/NBD, lifetimes for Pareto/NBD."""
    params = cdnow_build["clv_parameters"].iloc[0]
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    clv = cdnow_build["contact_clv"]
    clv = clv[clv["clv_status"] == "fitted"]
    assert len(clv) == 2357
    x, t_x, t = (clv[c].to_numpy(float) for c in ("clv_frequency", "clv_recency", "clv_t"))
    horizon = 12 * 365.25 / 12 / 7
    if params["clv_model"] == "pareto_nbd":
        from lifetimes import ParetoNBDFitter

        fitter = ParetoNBDFitter()
        fitter.params_ = pd.Series({k: params[f"pnbd_{k}"] for k in ("r", "alpha", "s", "beta")})
        p_alive = np.asarray(fitter.conditional_probability_alive(x, t_x, t), float)
        expected = np.asarray(fitter.conditional_expected_number_of_purchases_up_to_time(horizon, x, t_x, t), float)
        assert np.abs(clv["p_alive"].to_numpy() - p_alive).max() <= 5e-7
        assert np.abs(clv["expected_purchases"].to_numpy() - expected).max() <= 5e-7
        assert set(clv["clv_tier"]) == {"top", "high", "medium", "low"}
        return
    odds = np.where(x > 0, a / (b + np.maximum(x, 1) - 1) * ((alpha + t) / (alpha + t_x)) ** (r + x), 0.0)
    p_alive = 1 / (1 + odds)
    z = horizon / (alpha + t + horizon)
    hyp = ((alpha + t) / (alpha + t + horizon)) ** (r + x) * special.hyp2f1(r + x, b + x, a + b + x - 1, z)
    expected = (a + b + x - 1) / (a - 1) * (1 - hyp) * p_alive
    assert np.abs(clv["p_alive"].to_numpy() - p_alive).max() <= 5e-7
    assert np.abs(clv["expected_purchases"].to_numpy() - expected).max() <= 5e-7
    assert clv[["predicted_clv", "expected_avg_order_value", "clv_percentile"]].notna().all().all()
    assert set(clv["clv_tier"]) == {"top", "high", "medium", "low"}
