"""CLV fit code (custseg.clv), the CLI fit/calibrate path, and the CLV models in the project build:
fitted on the tiny sample, fallback (never a crash or NaN) when the minimum-data rules fail."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, special

from conftest import AS_OF, dbt_env, run_dbt, run_results
from custseg import clv
from custseg.cli import main
from custseg.layers import connect_duckdb

PARAMS = np.array([0.5, 3.0, 0.8, 2.0])


def _summary(n: int = 300, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = rng.integers(1, 60, n).astype(float)
    x = rng.poisson(1.0, n).astype(float)
    x[t < 3] = 0
    recency = np.where(x > 0, np.minimum(t, np.ceil(rng.uniform(0.3, 1.0, n) * t)), 0.0)
    monetary = np.where(x > 0, rng.gamma(5.0, 6.0, n), np.nan)
    return pd.DataFrame(
        {"frequency": x, "recency": recency, "t": t, "monetary_value": monetary, "monetary_frequency": x}
    )


def _bgnbd_summary(n: int, seed: int = 2) -> pd.DataFrame:
    """Customers drawn from BG/NBD itself (PARAMS), so every parameter is well identified."""
    rng = np.random.default_rng(seed)
    r, alpha, a, b = PARAMS
    rows = []
    for rate, drop, t in zip(rng.gamma(r, 1 / alpha, n), rng.beta(a, b, n), rng.uniform(20, 60, n), strict=True):
        times, now = [], 0.0
        while (now := now + rng.exponential(1 / rate)) < t:
            times.append(now)
            if rng.uniform() < drop:
                break
        rows.append((len(times), times[-1] if times else 0.0, t))
    summary = pd.DataFrame(rows, columns=["frequency", "recency", "t"]).astype(float)
    summary["monetary_value"] = np.where(summary["frequency"] > 0, rng.gamma(5.0, 6.0, n), np.nan)
    summary["monetary_frequency"] = summary["frequency"]
    return summary


def test_bgnbd_gradient_matches_finite_differences() -> None:
    s = _summary()
    x, tx, t = s["frequency"].to_numpy(), s["recency"].to_numpy(), s["t"].to_numpy()
    _, grad = clv.bgnbd_log_likelihood_terms(PARAMS, x, tx, t)
    numeric = optimize.approx_fprime(PARAMS, lambda p: clv.bgnbd_log_likelihood(p, x, tx, t), 1e-7)
    np.testing.assert_allclose(grad.sum(axis=0), numeric, rtol=1e-4)


def test_gamma_gamma_gradient_matches_finite_differences() -> None:
    s = _summary().query("frequency > 0")
    x, m = s["frequency"].to_numpy(), s["monetary_value"].to_numpy()
    params = np.array([2.0, 3.0, 10.0])
    _, grad = clv.gamma_gamma_log_likelihood_terms(params, x, m)
    numeric = optimize.approx_fprime(params, lambda p: clv.gamma_gamma_log_likelihood_terms(p, x, m)[0].sum(), 1e-6)
    np.testing.assert_allclose(grad.sum(axis=0), numeric, rtol=1e-4)


def test_weighted_triples_give_the_same_likelihood() -> None:
    s = _summary()
    x, tx, t = s["frequency"].to_numpy(), s["recency"].to_numpy(), s["t"].to_numpy()
    ux, utx, ut, w = clv.aggregate_triples(x, tx, t)
    assert len(ux) < len(x) and w.sum() == len(x)
    assert clv.bgnbd_log_likelihood(PARAMS, ux, utx, ut, w) == pytest.approx(clv.bgnbd_log_likelihood(PARAMS, x, tx, t))


def test_fit_objectives_equal_the_per_customer_sums() -> None:
    """The fits' one-pass totals (BgNbdTotals on distinct triples, GammaGammaTotals) give the
    per-customer log-likelihood and gradient summed over the customers."""
    s = _summary(2000)
    x, tx, t = s["frequency"].to_numpy(), s["recency"].to_numpy(), s["t"].to_numpy()
    totals = clv.BgNbdTotals(*clv.aggregate_triples(x, tx, t))
    for params in (PARAMS, np.array([2.0, 40.0, 3.0, 9.0]), np.array([0.3, 1.5, 0.2, 0.7])):
        value, grad = totals(params)
        ll, per_row = clv.bgnbd_log_likelihood_terms(params, x, tx, t)
        assert value == pytest.approx(ll.sum(), rel=1e-12)
        np.testing.assert_allclose(grad, per_row.sum(axis=0), rtol=1e-9)
    repeaters = s.query("frequency > 0")
    xm, m = repeaters["frequency"].to_numpy(), repeaters["monetary_value"].to_numpy()
    gg = clv.GammaGammaTotals(xm, m)
    for params in (np.array([2.0, 3.0, 10.0]), np.array([6.0, 4.0, 15.0])):
        value, grad = gg(params)
        ll, per_row = clv.gamma_gamma_log_likelihood_terms(params, xm, m)
        assert value == pytest.approx(ll.sum(), rel=1e-12)
        np.testing.assert_allclose(grad, per_row.sum(axis=0), rtol=1e-9)


def test_x_terms_summed_over_whole_x_equal_the_gamma_functions() -> None:
    """For whole x the BG/NBD terms in x are sums over j < x; they equal the ln G / digamma form
    (taken for x that are not whole) where that form is accurate, and stay finite and exact
    where a and b are huge."""
    xs = np.array([0.0, 1.0, 2.0, 7.0, 40.0, 300.0])
    r, a, b = 0.7, 1.3, 4.2
    summed = clv.bgnbd_x_terms(xs, r, a, b)
    nudged = clv.bgnbd_x_terms(np.append(xs, 0.5), r, a, b)  # one x not whole: ln G form for all
    for mine, reference in zip(summed, nudged, strict=True):
        np.testing.assert_allclose(mine, reference[:-1], rtol=1e-11, atol=1e-12)
    # a, b -> infinity with a/(a+b) = 0.1: the x-only term tends to x ln(0.9) + ln G(r+x) - ln G(r)
    far = clv.bgnbd_x_terms(xs, r, 1e9, 9e9)[0]
    limit = xs * np.log(0.9) + special.gammaln(r + xs) - special.gammaln(r)
    np.testing.assert_allclose(far, limit, rtol=1e-7, atol=1e-9)


def test_fit_is_the_maximum() -> None:
    s = _summary(2000)
    fit = clv.fit_bgnbd(s["frequency"], s["recency"], s["t"])
    assert fit.converged
    best = np.array([fit.r, fit.alpha, fit.a, fit.b])
    args = (s["frequency"].to_numpy(), s["recency"].to_numpy(), s["t"].to_numpy())
    for i in range(4):
        for step in (0.99, 1.01):
            moved = best.copy()
            moved[i] *= step
            assert clv.bgnbd_log_likelihood(moved, *args) < fit.log_likelihood


def test_last_bit_differences_in_the_inputs_do_not_move_the_parameters() -> None:
    """Engines sum an average in different orders, so the summary they hand the fit differs in
    the last bits. The fit must land on the same optimum (the engine-equivalence test compares
    parameters to 1e-9), not wherever the optimiser happened to stop on a flat ridge."""
    summary = _bgnbd_summary(600)
    reference = clv.fit_parameters(summary, "2026-06-30", 7).iloc[0]
    rng = np.random.default_rng(0)
    columns = ["r", "alpha", "a", "b", "p", "q", "v"]
    for _ in range(8):
        nudged = summary.copy()
        for column in ("monetary_value", "recency", "t"):
            values = nudged[column].to_numpy(float)
            nudged[column] = values * (1 + rng.integers(-2, 3, len(values)) * np.finfo(float).eps)
        row = clv.fit_parameters(nudged, "2026-06-30", 7).iloc[0]
        np.testing.assert_allclose(row[columns].astype(float), reference[columns].astype(float), rtol=1e-11)


@pytest.mark.parametrize("rows", [0, 5])
def test_too_little_data_gives_a_clean_fallback_row(rows: int) -> None:
    summary = _summary(rows) if rows else _summary(1).iloc[0:0]
    frame = clv.fit_parameters(summary, "2026-06-30", 7)
    row = frame.iloc[0]
    assert row["status"] == clv.STATUS_INSUFFICIENT and not row["converged"]
    assert "fewer than the minimum" in row["message"]
    assert frame[["r", "alpha", "a", "b", "p", "q", "v"]].isna().all().all()
    assert row["n_customers"] == rows


def test_summarise_transactions_rules() -> None:
    tx = pd.DataFrame(
        {
            "contact_id": ["a", "a", "a", "a", "b", "b"],
            "transaction_date": ["2026-01-01", "2026-01-08", "2026-01-15", "2026-02-01", "2026-01-10", "2026-03-01"],
            "transaction_value": [100.0, 0.0, 30.0, 999.0, 20.0, 5.0],
        }
    )
    s = clv.summarise_transactions(tx, "2026-01-29", 7).set_index("contact_id")
    assert s.loc["a", ["frequency", "recency", "t", "monetary_frequency", "monetary_value"]].tolist() == [
        2,
        2.0,
        4.0,
        1,
        30.0,
    ]
    assert s.loc["b", "frequency"] == 0 and np.isnan(s.loc["b", "monetary_value"])


def test_calibrate_rejects_an_end_before_the_split() -> None:
    tx = pd.DataFrame({"contact_id": ["a"], "transaction_date": ["2026-01-01"], "transaction_value": [1.0]})
    with pytest.raises(ValueError, match="must be after the split date"):
        clv.calibrate(tx, "2026-02-01", "2026-01-15", 7)


def test_cli_rejects_a_bad_date(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["clv", "calibrate", "--split-date", "yesterday"])
    assert exit_info.value.code == 2
    assert "expected a date YYYY-MM-DD" in capsys.readouterr().err


def test_cli_fit_without_a_build_says_what_to_do(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("DBT_DUCKDB_PATH", str(tmp_path / "empty.duckdb"))
    connect_duckdb(tmp_path / "empty.duckdb").close()
    assert main(["clv", "fit", "--target", "duckdb"]) == 2
    assert "int_contacts__clv_summary not found" in capsys.readouterr().err


# --------------------------------------------------------------------------- project build


@pytest.mark.slow
def test_clv_models_fitted_on_the_sample(built: dict) -> None:
    with connect_duckdb(built["db"], read_only=True) as con:
        parameters = con.execute("select * from clv_parameters").df()
        contacts = con.execute("select * from contact_clv").df()
        accounts = con.execute("select * from account_clv").df()
        canonical = con.execute("select count(*) from int_contacts__identity where is_canonical").fetchone()[0]
    assert parameters["status"].tolist() == ["fitted"]
    row = parameters.iloc[0]
    assert row["clv_model_setting"] == "auto" and row["clv_model"] in clv.MODELS
    assert row["selection_reason"].startswith("auto: ") and row["holdout_customers"] > 50
    pareto_and_holdout = ["pnbd_r", "pnbd_alpha", "pnbd_s", "pnbd_beta", "holdout_bgnbd_mae", "holdout_pareto_nbd_mae"]
    assert row[pareto_and_holdout].notna().all()
    assert len(contacts) == canonical
    assert set(contacts["clv_status"]) == {"fitted", "no_transactions"}
    numeric = contacts.select_dtypes("number").to_numpy(float)
    assert not np.isnan(numeric[~np.isnan(numeric)]).any() and np.isfinite(numeric[~np.isnan(numeric)]).all()
    fitted = contacts[contacts["clv_status"] == "fitted"]
    assert fitted[["p_alive", "expected_purchases", "expected_avg_order_value", "predicted_clv"]].notna().all().all()
    assert (accounts["account_predicted_clv"] >= 0).all() and accounts["account_clv_tier"].notna().all()
    clv_nodes = {uid: r["status"] for uid, r in built["results"].items() if "clv" in uid}
    assert clv_nodes and set(clv_nodes.values()) <= {"success", "pass"}


@pytest.fixture(scope="module")
def built_copy(built: dict, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A copy of the built warehouse (the CLI and re-builds write to it)."""
    workdir = tmp_path_factory.mktemp("clv_copy")
    env = dbt_env(workdir)
    shutil.copy(built["db"], env["DBT_DUCKDB_PATH"])
    return {"env": env, "workdir": workdir}


@pytest.mark.slow
def test_too_few_repeaters_builds_with_the_fallback(built_copy: dict) -> None:
    env = built_copy["env"]
    dbt_vars = f"{{as_of_date: '{AS_OF}', clv_min_repeat_customers: 1000000}}"
    models = ["clv_parameters", "contact_clv", "account_clv"]
    proc = run_dbt(["build", "-s", *models, "--vars", dbt_vars], env, check=False)
    results = run_results(built_copy["workdir"] / "target")
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert all(r["status"] in ("success", "pass") for r in results.values())
    with connect_duckdb(env["DBT_DUCKDB_PATH"], read_only=True) as con:
        parameters = con.execute("select * from clv_parameters").df()
        contacts = con.execute("select * from contact_clv").df()
    row = parameters.iloc[0]
    assert row["status"] == "insufficient_data"
    assert "repeat customers, fewer than the minimum 1000000" in row["message"]
    assert set(contacts["clv_status"]) == {"insufficient_data", "no_transactions"}
    assert contacts[["p_alive", "expected_purchases", "expected_avg_order_value"]].isna().all().all()
    buyers = contacts[contacts["clv_status"] == "insufficient_data"]
    assert (buyers["predicted_clv"] > 0).any() and buyers["predicted_clv"].notna().all()
    assert not np.isnan(contacts["predicted_clv"].to_numpy(float)).any()


@pytest.mark.slow
def test_cli_fit_writes_the_same_parameters(built_copy: dict, monkeypatch, capsys) -> None:
    env = built_copy["env"]
    monkeypatch.setenv("DBT_DUCKDB_PATH", env["DBT_DUCKDB_PATH"])
    monkeypatch.delenv("DBT_SCHEMA", raising=False)
    assert main(["clv", "fit", "--target", "duckdb"]) == 0
    assert main(["clv", "fit", "--target", "duckdb"]) == 0  # a re-fit replaces its row
    assert "fitted" in capsys.readouterr().out
    with connect_duckdb(env["DBT_DUCKDB_PATH"], read_only=True) as con:
        written = con.execute("select * from clv_parameters_fit").df()
        summary = con.execute("select * from int_contacts__clv_summary").df()
    assert len(written) == 1 and written["status"].iloc[0] == "fitted"
    expected = clv.fit_parameters(summary, AS_OF, 7).iloc[0]
    for name in ("r", "alpha", "a", "b", "p", "q", "v", "pnbd_r", "pnbd_alpha", "pnbd_s", "pnbd_beta"):
        assert written[name].iloc[0] == pytest.approx(expected[name], rel=1e-9)


@pytest.mark.slow
def test_cli_calibrate_reports_holdout(built: dict, monkeypatch, capsys) -> None:
    monkeypatch.setenv("DBT_DUCKDB_PATH", str(built["db"]))
    monkeypatch.delenv("DBT_SCHEMA", raising=False)
    assert main(["clv", "calibrate", "--split-date", "2025-12-31"]) == 0
    out = capsys.readouterr().out
    assert "holdout repeat transactions: predicted" in out and "per customer: predicted" in out
    assert main(["clv", "calibrate", "--split-date", "2026-06-30", "--end-date", "2026-01-01"]) == 2


# --------------------------------------------------------------------------- Pareto/NBD and the model choice


def _pareto_nbd_transactions(n: int = 400, seed: int = 3) -> pd.DataFrame:
    """Transaction days of customers drawn from Pareto/NBD (gamma purchase and dropout rates per
    day), first purchases over the first 200 of 365 days."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2025-07-01")
    rows = []
    for number in range(n):
        rate, death = rng.gamma(0.8, 1 / 40), rng.gamma(0.6, 1 / 150)
        first = int(rng.integers(0, 200))
        end = min(365, first + rng.exponential(1 / death))
        days, now = {first}, float(first)
        while (now := now + rng.exponential(1 / rate)) < end:
            days.add(int(now))
        rows += [(f"c{number:04d}", start + pd.Timedelta(days=day), 10.0 + rng.gamma(4.0, 5.0)) for day in sorted(days)]
    return pd.DataFrame(rows, columns=["contact_id", "transaction_date", "transaction_value"])


def test_pareto_nbd_likelihood_matches_lifetimes() -> None:
    from lifetimes import ParetoNBDFitter

    s = _summary()
    x, tx, t = (s[c].to_numpy(float) for c in ("frequency", "recency", "t"))
    for params in ((0.55, 10.6, 0.6, 11.7), (1.5, 20.0, 0.4, 2.0), (0.8, 5.0, 1.3, 5.0)):
        ours = clv.pareto_nbd_log_likelihood_terms(np.array(params), x, tx, t)
        theirs = ParetoNBDFitter._conditional_log_likelihood(np.array(params), x, tx, t)
        np.testing.assert_allclose(ours, np.asarray(theirs, float), rtol=1e-12)


def test_pareto_nbd_fit_is_the_maximum() -> None:
    s = clv.summarise_transactions(_pareto_nbd_transactions(1000), "2026-06-30", 7)
    fit = clv.fit_pareto_nbd(s["frequency"], s["recency"], s["t"])
    assert fit.converged
    best = np.array([fit.r, fit.alpha, fit.s, fit.beta])
    args = (s["frequency"].to_numpy(), s["recency"].to_numpy(), s["t"].to_numpy())
    for i in range(4):
        for step in (0.99, 1.01):
            moved = best.copy()
            moved[i] *= step
            assert clv.pareto_nbd_log_likelihood(moved, *args) < fit.log_likelihood


def test_auto_selection_records_both_holdout_errors() -> None:
    tx = _pareto_nbd_transactions()
    as_of = "2026-06-30"
    summary = clv.summarise_transactions(tx, as_of, 7)
    row = clv.fit_parameters(summary, as_of, 7, clv_model="auto", transactions=tx, holdout_share=0.25).iloc[0]
    assert row["status"] == "fitted" and row["clv_model_setting"] == "auto"
    observed = (pd.Timestamp(as_of) - tx["transaction_date"].min()).days
    split = pd.Timestamp(as_of) - pd.Timedelta(days=round(0.25 * observed))
    assert str(row["holdout_split_date"]) == str(split.date())
    errors = {name: row[f"holdout_{name}_mae"] for name in clv.MODELS}
    assert all(np.isfinite(v) and v > 0 for v in errors.values())
    assert row["clv_model"] == min(clv.MODELS, key=errors.get)
    reason = row["selection_reason"]
    assert reason.startswith(f"auto: {clv.MODEL_LABELS[row['clv_model']]} has the smaller holdout error")
    for name, error in errors.items():
        assert f"{clv.MODEL_LABELS[name]} MAE {error:.4f}" in reason
    assert f"actual {row['holdout_actual_purchases']:.0f} repeat transactions" in reason
    firsts = tx.groupby("contact_id")["transaction_date"].min()
    assert row["holdout_customers"] == (firsts <= split).sum()
    # both models are refitted on all the data, whichever scores
    fixed = clv.fit_parameters(summary, as_of, 7, clv_model="pareto_nbd").iloc[0]
    for name in ("r", "alpha", "a", "b", "pnbd_r", "pnbd_alpha", "pnbd_s", "pnbd_beta"):
        assert row[name] == fixed[name]
    assert fixed["clv_model"] == "pareto_nbd" and fixed["selection_reason"] == "var clv_model = pareto_nbd"
    assert pd.isna(fixed["holdout_split_date"]) and np.isnan(fixed["holdout_bgnbd_mae"])


def test_auto_without_a_holdout_says_why_and_uses_bgnbd() -> None:
    tx = _pareto_nbd_transactions()
    summary = clv.summarise_transactions(tx, "2026-06-30", 7)
    row = clv.fit_parameters(summary, "2026-06-30", 7, clv_model="auto", transactions=None).iloc[0]
    assert row["status"] == "fitted" and row["clv_model"] == "bgnbd"
    assert row["selection_reason"] == (
        "auto: holdout comparison not possible (no transactions to split); BG/NBD by default"
    )
    few = clv.fit_parameters(summary, "2026-06-30", 7, clv_model="auto", transactions=tx, holdout_share=0.9).iloc[0]
    assert few["clv_model"] == "bgnbd" and "calibration part (to 2025-08-06)" in few["selection_reason"]
    with pytest.raises(ValueError, match="clv_model must be one of"):
        clv.fit_parameters(summary, "2026-06-30", 7, clv_model="pareto")
