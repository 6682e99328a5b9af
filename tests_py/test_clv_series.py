"""The portable SQL series for the Gauss hypergeometric function (macro clv_purchase_curve_ctes)
against scipy.special.hyp2f1, over a grid of (x, T) and parameter sets, including slow series
(T = 0, z up to 0.98) and large x. The upstream tables are written directly so that only the
CLV scoring models run."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy import special

from conftest import dbt_env, run_dbt

pytestmark = pytest.mark.slow

AS_OF = "2026-06-30"
HORIZON_MONTHS = 12
UNIT_DAYS = 7.0
PARAMETER_SETS = {
    "cdnow": (0.243, 4.414, 0.793, 2.426),  # Fader, Hardie & Lee (2005), a < 1
    "busy_shop": (2.0, 1.0, 2.5, 8.0),  # frequent buyers: z = 0.98 at T = 0
    "loyal": (0.8, 12.0, 0.3, 6.0),
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


def _write_inputs(db: Path, params: tuple[float, float, float, float], grid: pd.DataFrame) -> None:
    r, alpha, a, b = params
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
    parameters = pd.DataFrame([{
        "fit_id": f"{AS_OF}/7", "as_of_date": pd.Timestamp(AS_OF).date(), "time_unit_days": UNIT_DAYS,
        "r": r, "alpha": alpha, "a": a, "b": b, "p": 6.25, "q": 3.74, "v": 15.44, "status": "fitted",
    }])
    with duckdb.connect(str(db)) as con:
        for name, frame in (
            ("int_contacts__clv_summary", summary),
            ("int_contacts__identity", identity),
            ("clv_parameters", parameters),
        ):
            con.register("frame", frame)
            con.execute(f"create or replace table main.{name} as select * from frame")
            con.unregister("frame")
        con.execute("alter table main.clv_parameters alter as_of_date type date")


@pytest.mark.parametrize("name", sorted(PARAMETER_SETS))
def test_sql_series_matches_scipy(tmp_path: Path, name: str) -> None:
    params = PARAMETER_SETS[name]
    grid = _grid()
    env = dbt_env(tmp_path)
    _write_inputs(Path(env["DBT_DUCKDB_PATH"]), params, grid)
    dbt_vars = (
        f"{{as_of_date: '{AS_OF}', clv_time_unit_days: {UNIT_DAYS}, clv_horizon_months: {HORIZON_MONTHS}, "
        "clv_publish_purchase_curves: true}"
    )
    run_dbt(["run", "-s", "clv_purchase_curves", "contact_clv", "--vars", dbt_vars], env)
    with duckdb.connect(env["DBT_DUCKDB_PATH"], read_only=True) as con:
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
