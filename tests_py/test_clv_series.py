"""The portable SQL series for the Gauss hypergeometric function (macros clv_purchase_curve_ctes,
clv_hyp2f1_series_ctes) against scipy.special.hyp2f1, over a grid of (x, T) and parameter sets,
including slow series (T = 0, z up to 0.98) and large x; and the Pareto/NBD scores (P(alive),
expected purchases) against custseg.clv and lifetimes on a grid of (x, t_x, T) for both branches
of its 2F1 (alpha >= beta, alpha < beta) and alpha = beta (z = 0). The upstream tables are
written directly so that only the CLV scoring models run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import special

from conftest import dbt_env, run_dbt
from custseg.layers import connect_duckdb

pytestmark = pytest.mark.slow

AS_OF = "2026-06-30"
HORIZON_MONTHS = 12
UNIT_DAYS = 7.0
PARAMETER_SETS = {
    "cdnow": (0.243, 4.414, 0.793, 2.426),  # Fader, Hardie & Lee (2005), a < 1
    "busy_shop": (2.0, 1.0, 2.5, 8.0),  # frequent buyers: z = 0.98 at T = 0
    "loyal": (0.8, 12.0, 0.3, 6.0),
}
PARETO_NBD_SETS = {
    "cdnow": (0.553, 10.578, 0.606, 11.669),  # Fader, Hardie & Lee (2005): alpha < beta
    "alpha_above_beta": (1.5, 20.0, 0.4, 2.0),  # z = 0.9 at y = 0
    # z = 0 (2F1 = 1 without a term) and s = 1 (the logarithmic form of expected purchases)
    "alpha_equals_beta_s_is_one": (0.8, 5.0, 1.0, 5.0),
}
GRID_X = [0, 1, 2, 5, 10, 30, 100, 300]
GRID_T = [0.0, 0.5, 1.0, 5.0, 20.0, 52.0, 150.0]


def reference_purchases(params: tuple[float, float, float, float], horizon: float, x: float, t: float) -> float:
    """E(horizon) / P(alive) with scipy's 2F1 on the original BG/NBD formula; Euler's form when
    the original overflows (large x)."""
    r, alpha, a, b = params
    z = horizon / (alpha + t + horizon)
    with np.errstate(all="ignore"):  # 0 * inf for large x: Euler's form is used then
        original = ((alpha + t) / (alpha + t + horizon)) ** (r + x) * special.hyp2f1(r + x, b + x, a + b + x - 1, z)
    euler = (1 - z) ** (a - 1) * special.hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z)
    value = original if np.isfinite(original) else euler
    return (a + b + x - 1) / (a - 1) * (1 - value)


def _grid() -> pd.DataFrame:
    rows = []
    for x in GRID_X:
        for t in GRID_T:
            if x > 0 and t == 0:
                continue  # repeat transactions need time
            rows.append({"frequency": x, "t": t, "recency": 0.8 * t if x else 0.0})
    return pd.DataFrame(rows)


def _write_inputs(
    db: Path, params: tuple[float, float, float, float], grid: pd.DataFrame, model: str = "bgnbd"
) -> None:
    r, alpha, a, b = params if model == "bgnbd" else (0.243, 4.414, 0.793, 2.426)
    pnbd = params if model == "pareto_nbd" else (None, None, None, None)
    summary = grid.assign(
        contact_id=[f"c{i:04d}" for i in range(len(grid))],
        first_transaction_date=pd.Timestamp(AS_OF).date(),
        monetary_value=np.where(grid["frequency"] > 0, 25.0, np.nan),
        monetary_frequency=grid["frequency"],
        historical_net_revenue=100.0,
        historical_orders=grid["frequency"] + 1,
        transaction_days=grid["frequency"] + 1,
    )
    identity = pd.DataFrame({"contact_id": summary["contact_id"], "is_canonical": True})
    parameters = pd.DataFrame(
        [
            {
                "fit_id": f"{AS_OF}/7",
                "as_of_date": pd.Timestamp(AS_OF).date(),
                "time_unit_days": UNIT_DAYS,
                "r": r,
                "alpha": alpha,
                "a": a,
                "b": b,
                "p": 6.25,
                "q": 3.74,
                "v": 15.44,
                "status": "fitted",
                "pnbd_r": pnbd[0],
                "pnbd_alpha": pnbd[1],
                "pnbd_s": pnbd[2],
                "pnbd_beta": pnbd[3],
                "clv_model": model,
            }
        ]
    )
    with connect_duckdb(db) as con:
        for name, frame in (
            ("int_contacts__clv_summary", summary),
            ("int_contacts__identity", identity),
            ("clv_parameters", parameters),
        ):
            con.register("frame", frame)
            layer = "marts" if name == "clv_parameters" else "intermediate"
            con.execute(f"create schema if not exists {layer}")
            con.execute(f"create or replace table {layer}.{name} as select * from frame")
            con.unregister("frame")
        con.execute("alter table marts.clv_parameters alter as_of_date type date")
        for name in ("pnbd_r", "pnbd_alpha", "pnbd_s", "pnbd_beta"):
            con.execute(f"alter table marts.clv_parameters alter {name} type double")


@pytest.mark.parametrize("name", sorted(PARAMETER_SETS))
def test_sql_series_matches_scipy(tmp_path: Path, name: str) -> None:
    params = PARAMETER_SETS[name]
    grid = _grid()
    env = dbt_env(tmp_path)
    _write_inputs(Path(env["DBT_DUCKDB_PATH"]), params, grid)
    dbt_vars = (
        f"{{as_of_date: '{AS_OF}', clv_time_unit_days: {UNIT_DAYS}, clv_horizon: '{HORIZON_MONTHS} months', "
        "clv_publish_purchase_curves: true}"
    )
    run_dbt(["run", "-s", "clv_purchase_curves", "contact_clv", "--vars", dbt_vars], env)
    with connect_duckdb(env["DBT_DUCKDB_PATH"], read_only=True) as con:
        curves = con.execute("select * from clv_purchase_curves").df()
        contacts = con.execute("select * from contact_clv").df()
    assert len(curves) == len(grid)
    horizon = HORIZON_MONTHS * 365.25 / 12 / UNIT_DAYS
    pairs = zip(curves["frequency"], curves["t"], strict=True)
    expected = np.array([reference_purchases(params, horizon, x, t) for x, t in pairs])
    relative = np.abs(curves["horizon_purchases"].to_numpy() - expected) / np.maximum(np.abs(expected), 1e-300)
    assert relative.max() < 1e-9, curves.assign(expected=expected, relative=relative).sort_values("relative").tail()
    assert (curves["horizon_term_count"] < 3000).all()  # the tolerance, not the cap, stopped every series
    assert contacts["clv_status"].eq("fitted").all()
    assert contacts[["p_alive", "expected_purchases", "predicted_clv"]].notna().all().all()
    assert np.isfinite(contacts[["p_alive", "expected_purchases", "predicted_clv"]].to_numpy(float)).all()


def _pareto_grid() -> pd.DataFrame:
    rows = []
    for x in GRID_X:
        for t in GRID_T:
            for share in (0.0,) if x == 0 else (0.1, 0.6, 1.0):
                if x > 0 and t == 0:
                    continue
                rows.append({"frequency": x, "t": t, "recency": share * t})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("name", sorted(PARETO_NBD_SETS))
def test_pareto_nbd_scores_match_python_and_lifetimes(tmp_path: Path, name: str) -> None:
    from custseg import clv

    params = PARETO_NBD_SETS[name]
    grid = _pareto_grid()
    env = dbt_env(tmp_path)
    _write_inputs(Path(env["DBT_DUCKDB_PATH"]), params, grid, model="pareto_nbd")
    dbt_vars = (
        f"{{as_of_date: '{AS_OF}', clv_time_unit_days: {UNIT_DAYS}, clv_horizon: '{HORIZON_MONTHS} months', "
        "clv_publish_purchase_curves: true}"
    )
    run_dbt(["run", "-s", "clv_purchase_curves", "contact_clv", "--vars", dbt_vars], env)
    with connect_duckdb(env["DBT_DUCKDB_PATH"], read_only=True) as con:
        curves = con.execute("select * from clv_purchase_curves").df()
        contacts = con.execute(
            "select c.*, s.frequency, s.recency, s.t from contact_clv as c "
            "inner join int_contacts__clv_summary as s using (contact_id)"
        ).df()
    horizon = HORIZON_MONTHS * 365.25 / 12 / UNIT_DAYS
    if_alive = clv.pareto_nbd_purchases_if_alive(params, horizon, curves["frequency"], curves["t"])
    relative = np.abs(curves["horizon_purchases"].to_numpy() - if_alive) / if_alive
    assert relative.max() < 1e-12 and curves["horizon_z"].isna().all()
    x, t_x, t = (contacts[c].to_numpy(float) for c in ("frequency", "recency", "t"))
    p_alive = clv.pareto_nbd_p_alive(params, x, t_x, t)
    expected = clv.pareto_nbd_expected_purchases(params, horizon, x, t_x, t)
    assert contacts["clv_status"].eq("fitted").all()
    assert np.abs(contacts["p_alive"].to_numpy() - p_alive).max() <= 5.000001e-7
    assert np.abs(contacts["expected_purchases"].to_numpy() - expected).max() <= 5.000001e-7
    assert np.isfinite(contacts["predicted_clv"].to_numpy(float)).all()
    if name != "alpha_equals_beta_s_is_one":  # lifetimes divides by s - 1
        from lifetimes import ParetoNBDFitter

        fitter = ParetoNBDFitter()
        fitter.params_ = pd.Series(dict(zip(["r", "alpha", "s", "beta"], params, strict=True)))
        reference = np.asarray(fitter.conditional_probability_alive(x, t_x, t), float)
        reference_purchases = np.asarray(
            fitter.conditional_expected_number_of_purchases_up_to_time(horizon, x, t_x, t), float
        )
        finite = np.isfinite(reference) & np.isfinite(reference_purchases)  # lifetimes overflows for large x
        assert finite.mean() > 0.6
        np.testing.assert_allclose(p_alive[finite], reference[finite], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(expected[finite], reference_purchases[finite], rtol=1e-8, atol=1e-12)
