"""Benchmark the CLV fit and scoring against the lifetimes package on the same data.

    .venv/bin/python scripts/bench_clv.py --customers 1000000

Simulates customers from a BG/NBD process (daily resolution, weeks as the time unit) and
Gamma-Gamma spend, then times
  - ours:      custseg.clv BG/NBD + Gamma-Gamma fits, and the SQL scoring (dbt run of
               contact_clv on DuckDB, upstream tables written directly) unless --no-sql;
  - lifetimes: BetaGeoFitter + GammaGammaFitter fits and their P(alive) / expected purchases
               (lifetimes is imported here only: the product does not depend on it);
and prints both timings and the parameter differences.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from custseg import clv  # noqa: E402

TRUE_BGNBD = (0.4, 6.0, 0.9, 3.0)  # r, alpha (weeks), a, b
TRUE_GAMMA_GAMMA = (6.0, 4.0, 15.0)  # p, q, v
HISTORY_DAYS = 546  # 78 weeks
HORIZON_WEEKS = 365.25 / 7


def simulate(n: int, seed: int) -> pd.DataFrame:
    """Customers of a BG/NBD + Gamma-Gamma world observed at daily resolution."""
    rng = np.random.default_rng(seed)
    r, alpha, a, b = TRUE_BGNBD
    p, q, v = TRUE_GAMMA_GAMMA
    rate = rng.gamma(r, 1.0 / alpha, n)
    dropout = rng.beta(a, b, n)
    t_days = rng.integers(0, HISTORY_DAYS + 1, n)
    t = t_days / 7.0
    events = rng.poisson(rate * t)
    repeats_before_dropout = rng.geometric(dropout)
    x = np.minimum(events, repeats_before_dropout)
    # The x-th of `events` uniform arrival times on [0, T] is T * Beta(x, events - x + 1).
    share = np.where(x > 0, rng.beta(np.maximum(x, 1), np.maximum(events - x + 1, 1)), 0.0)
    t_x_days = np.minimum(np.floor(share * t_days), t_days)
    # Same-day purchases are one transaction: x cannot exceed the days available.
    x = np.minimum(x, np.maximum(t_x_days, 0)).astype(int)
    t_x_days = np.where(x > 0, np.maximum(t_x_days, x), 0)
    scale = rng.gamma(q, 1.0 / v, n)
    spend = np.where(x > 0, rng.gamma(p * np.maximum(x, 1), 1.0 / np.maximum(x, 1) / scale), np.nan)
    return pd.DataFrame({
        "contact_id": [f"C{i:08d}" for i in range(n)],
        "frequency": x.astype(float),
        "recency": t_x_days / 7.0,
        "t": t / 1.0,
        "monetary_value": spend,
        "monetary_frequency": x.astype(float),
    })


def fit_ours(summary: pd.DataFrame) -> tuple[float, dict[str, float]]:
    start = time.perf_counter()
    bg = clv.fit_bgnbd(summary["frequency"].to_numpy(), summary["recency"].to_numpy(), summary["t"].to_numpy())
    repeaters = summary[summary["frequency"] > 0]
    gg = clv.fit_gamma_gamma(repeaters["frequency"].to_numpy(), repeaters["monetary_value"].to_numpy())
    elapsed = time.perf_counter() - start
    return elapsed, {"r": bg.r, "alpha": bg.alpha, "a": bg.a, "b": bg.b, "bgnbd_ll": bg.log_likelihood,
                     "p": gg.p, "q": gg.q, "v": gg.v}


def score_ours_sql(summary: pd.DataFrame, params: dict[str, float], workdir: Path) -> tuple[float, float]:
    """dbt run of contact_clv on DuckDB; returns (wall seconds, model execution seconds)."""
    import duckdb

    db = workdir / "bench.duckdb"
    as_of = "2026-06-30"
    frame = summary.assign(
        first_transaction_date=pd.Timestamp(as_of).date(), historical_net_revenue=100.0,
        historical_orders=summary["frequency"] + 1,
    )
    parameters = pd.DataFrame([{
        "fit_id": f"{as_of}/7", "as_of_date": pd.Timestamp(as_of).date(), "time_unit_days": 7.0,
        **{k: params[k] for k in ("r", "alpha", "a", "b", "p", "q", "v")}, "status": "fitted",
        "clv_model": "bgnbd", **dict.fromkeys(("pnbd_r", "pnbd_alpha", "pnbd_s", "pnbd_beta"), 1.0),
    }])
    identity = pd.DataFrame({"contact_id": summary["contact_id"], "is_canonical": True})
    with duckdb.connect(str(db)) as con:
        for name, data in (("int_contacts__clv_summary", frame), ("clv_parameters", parameters),
                           ("int_contacts__identity", identity)):
            con.register("data", data)
            layer = "marts" if name == "clv_parameters" else "intermediate"
            con.execute(f"create schema if not exists {layer}")
            con.execute(f"create or replace table {layer}.{name} as select * from data")
            con.unregister("data")
        con.execute("alter table marts.clv_parameters alter as_of_date type date")
    env = dict(os.environ, DBT_PROFILES_DIR=str(PROJECT_DIR), DBT_SEND_ANONYMOUS_USAGE_STATS="False",
               DBT_TARGET="duckdb", DBT_DUCKDB_PATH=str(db), DBT_TARGET_PATH=str(workdir / "target"),
               DBT_LOG_PATH=str(workdir / "logs"), DUCKDB_TEMP_DIRECTORY=str(workdir / "tmp"))
    dbt = str(Path(sys.executable).parent / "dbt")
    start = time.perf_counter()
    proc = subprocess.run([dbt, "run", "-s", "contact_clv", "--vars", f"{{as_of_date: '{as_of}'}}"],
                          cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(proc.stdout[-3000:])
    results = json.loads((workdir / "target" / "run_results.json").read_text())["results"]
    return wall, sum(r["execution_time"] for r in results)


def run_lifetimes(summary: pd.DataFrame) -> tuple[float, float, dict[str, float]]:
    warnings.filterwarnings("ignore")
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    start = time.perf_counter()
    bgf = BetaGeoFitter(penalizer_coef=0.0)
    bgf.fit(summary["frequency"], summary["recency"], summary["t"])
    repeaters = summary[summary["frequency"] > 0]
    ggf = GammaGammaFitter(penalizer_coef=0.0)
    ggf.fit(repeaters["frequency"], repeaters["monetary_value"])
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    bgf.conditional_probability_alive(summary["frequency"], summary["recency"], summary["t"])
    bgf.conditional_expected_number_of_purchases_up_to_time(
        HORIZON_WEEKS, summary["frequency"], summary["recency"], summary["t"]
    )
    ggf.conditional_expected_average_profit(summary["frequency"], summary["monetary_value"].fillna(1.0))
    score_seconds = time.perf_counter() - start
    params = {**{k: float(bgf.params_[k]) for k in ("r", "alpha", "a", "b")},
              **{k: float(ggf.params_[k]) for k in ("p", "q", "v")}}
    # lifetimes reports its likelihood on rescaled times: evaluate both fits on the same data.
    params["bgnbd_ll"] = clv.bgnbd_log_likelihood(
        np.array([params[k] for k in ("r", "alpha", "a", "b")]),
        summary["frequency"].to_numpy(float), summary["recency"].to_numpy(float), summary["t"].to_numpy(float),
    )
    return fit_seconds, score_seconds, params


def score_ours_python(summary: pd.DataFrame, params: dict[str, float]) -> float:
    start = time.perf_counter()
    values = (params["r"], params["alpha"], params["a"], params["b"])
    clv.p_alive(values, summary["frequency"], summary["recency"], summary["t"])
    clv.expected_purchases(values, HORIZON_WEEKS, summary["frequency"], summary["recency"], summary["t"])
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-sql", action="store_true", help="skip the dbt/DuckDB SQL scoring run")
    parser.add_argument("--no-lifetimes", action="store_true", help="skip lifetimes (ours only)")
    args = parser.parse_args()

    summary = simulate(args.customers, args.seed)
    triples = summary[["frequency", "recency", "t"]].drop_duplicates().shape[0]
    print(f"customers: {len(summary):,}  repeaters: {(summary['frequency'] > 0).sum():,}  "
          f"distinct (x, t_x, T): {triples:,}")
    print(f"true parameters: r, alpha, a, b = {TRUE_BGNBD}; p, q, v = {TRUE_GAMMA_GAMMA}")

    ours_fit, ours = fit_ours(summary)
    print(f"ours      fit (BG/NBD + Gamma-Gamma): {ours_fit:8.2f} s")
    print(f"ours      score in numpy (P(alive), E[purchases]): {score_ours_python(summary, ours):8.2f} s")
    if not args.no_sql:
        with tempfile.TemporaryDirectory(prefix="bench_clv_") as tmp:
            wall, model = score_ours_sql(summary, ours, Path(tmp))
        print(f"ours      score in SQL (dbt run contact_clv on DuckDB): {wall:8.2f} s wall, {model:.2f} s model")
    if args.no_lifetimes:
        return 0
    life_fit, life_score, life = run_lifetimes(summary)
    print(f"lifetimes fit (BG/NBD + Gamma-Gamma): {life_fit:8.2f} s")
    print(f"lifetimes score (P(alive), E[purchases], spend): {life_score:8.2f} s")
    print(f"fit speed-up: {life_fit / ours_fit:.1f}x")
    print(f"{'param':>9} {'ours':>14} {'lifetimes':>14} {'abs diff':>10}")
    for name in ("r", "alpha", "a", "b", "bgnbd_ll", "p", "q", "v"):
        print(f"{name:>9} {ours[name]:14.6f} {life[name]:14.6f} {abs(ours[name] - life[name]):10.2e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
