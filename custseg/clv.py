"""Customer lifetime value: maximum-likelihood fits of the BG/NBD and Gamma-Gamma models.

Engine-neutral: every function takes numpy arrays or a pandas summary (one row per customer,
the columns of `int_contacts__clv_summary`) and returns numbers or a pandas dataframe. Reading
the summary from a warehouse and writing the parameters back live in `custseg.clv_io`.

BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"): for a customer with
x repeat transactions, the last at t_x, observed for T time units since the first transaction,

    LL = ln G(r+x) - ln G(r) + r ln(alpha) + ln B(a, b+x) - ln B(a, b)
         + ln[ (alpha+T)^-(r+x) + [x>0] a/(b+x-1) (alpha+t_x)^-(r+x) ]

Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV"; Colombo & Jiang 1999) for the mean value
mbar of x > 0 positive repeat transactions:

    LL = ln G(px+q) - ln G(px) - ln G(q) + q ln v + (px-1) ln mbar + px ln x - (px+q) ln(v + x mbar)

Speed: customers are collapsed to distinct (x, t_x, T) triples with counts and the weighted
log-likelihood is maximised with analytic gradients by L-BFGS-B on log-parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
from scipy import optimize, special

# Status codes written to clv_parameters.status and contact_clv.clv_status.
STATUS_FITTED = "fitted"
STATUS_INSUFFICIENT = "insufficient_data"
STATUS_FAILED = "fit_failed"

PARAMETER_COLUMNS = [
    "fit_id",
    "as_of_date",
    "time_unit_days",
    "r",
    "alpha",
    "a",
    "b",
    "p",
    "q",
    "v",
    "n_customers",
    "n_repeaters",
    "n_monetary_repeaters",
    "bgnbd_log_likelihood",
    "gamma_gamma_log_likelihood",
    "converged",
    "status",
    "message",
    "fitted_at",
]


@dataclass(frozen=True)
class MinimumData:
    """Minimum-data rules: below any of them the fit is not attempted (status insufficient_data)."""

    min_customers: int = 50
    min_repeat_customers: int = 20
    min_monetary_repeaters: int = 20


@dataclass(frozen=True)
class BgNbdFit:
    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    converged: bool
    message: str


@dataclass(frozen=True)
class GammaGammaFit:
    p: float
    q: float
    v: float
    log_likelihood: float
    converged: bool
    message: str


# --------------------------------------------------------------------------- BG/NBD


def aggregate_triples(
    x: np.ndarray, t_x: np.ndarray, t: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (x, t_x, T) rows and how many customers share each one."""
    frame = pd.DataFrame({"x": np.asarray(x, float), "t_x": np.asarray(t_x, float), "t": np.asarray(t, float)})
    counts = frame.groupby(["x", "t_x", "t"], sort=False).size()
    keys = counts.index
    return (
        keys.get_level_values(0).to_numpy(float),
        keys.get_level_values(1).to_numpy(float),
        keys.get_level_values(2).to_numpy(float),
        counts.to_numpy(float),
    )


def _per_x(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct x values and the index of each row's value: special functions of x are
    evaluated once per distinct x (a few hundred values) instead of once per row."""
    values, inverse = np.unique(x, return_inverse=True)
    return values, inverse


def bgnbd_log_likelihood_terms(
    params: np.ndarray, x: np.ndarray, t_x: np.ndarray, t: np.ndarray,
    x_groups: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-row log-likelihood and its gradient with respect to (r, alpha, a, b): shapes (n,), (n, 4)."""
    r, alpha, a, b = params
    xs, inverse = x_groups or _per_x(x)
    repeat = x > 0
    rx = r + x
    a12 = (
        special.gammaln(r + xs) - special.gammaln(r) + r * np.log(alpha)
        + special.gammaln(a + b) + special.gammaln(b + xs) - special.gammaln(b) - special.gammaln(a + b + xs)
    )[inverse]
    log_alpha_t = np.log(alpha + t)
    log_alpha_tx = np.log(alpha + t_x)
    a3 = -rx * log_alpha_t
    bx1 = np.where(repeat, b + x - 1.0, 1.0)
    a4 = np.where(repeat, np.log(a) - np.log(bx1) - rx * log_alpha_tx, -np.inf)
    tail = np.logaddexp(a3, a4)
    w3 = np.exp(a3 - tail)
    w4 = np.where(repeat, np.exp(a4 - tail), 0.0)

    dig_ab = special.digamma(a + b)
    d_r = (special.digamma(r + xs) - special.digamma(r) + np.log(alpha))[inverse]
    d_a = (dig_ab - special.digamma(a + b + xs))[inverse]
    d_b = (dig_ab + special.digamma(b + xs) - special.digamma(b) - special.digamma(a + b + xs))[inverse]
    grad = np.empty((x.shape[0], 4))
    grad[:, 0] = d_r - w3 * log_alpha_t - w4 * log_alpha_tx
    grad[:, 1] = r / alpha - w3 * rx / (alpha + t) - w4 * rx / (alpha + t_x)
    grad[:, 2] = d_a + w4 / a
    grad[:, 3] = d_b - w4 / bx1
    return a12 + tail, grad


def bgnbd_log_likelihood(
    params: np.ndarray, x: np.ndarray, t_x: np.ndarray, t: np.ndarray, weights: np.ndarray | None = None
) -> float:
    """Total BG/NBD log-likelihood of (r, alpha, a, b) over the customers (weighted rows)."""
    ll, _ = bgnbd_log_likelihood_terms(np.asarray(params, float), x, t_x, t)
    return float(ll.sum() if weights is None else (weights * ll).sum())


GRADIENT_TOLERANCE = 1e-5  # max |d mean log-likelihood / d log parameter| accepted as an optimum


def _minimise_log_params(objective, start: np.ndarray) -> tuple[optimize.OptimizeResult, bool]:
    """L-BFGS-B on log-parameters. Converged = scipy reports success, or it stopped (e.g. a line
    search at machine precision) where the gradient of the mean log-likelihood is ~0."""
    bounds = [(-20.0, 20.0)] * len(start)
    result = optimize.minimize(
        objective, np.log(start), jac=True, method="L-BFGS-B", bounds=bounds,
        options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-9},
    )
    result.x = _newton_polish(objective, result.x)
    value, gradient = objective(result.x)
    stationary = bool(np.isfinite(value) and np.all(np.abs(gradient) < GRADIENT_TOLERANCE))
    return result, (bool(result.success) or stationary) and _inside_bounds(result.x)


def _newton_polish(objective, log_params: np.ndarray, max_steps: int = 10) -> np.ndarray:
    """Newton steps from L-BFGS-B's stopping point to the optimum itself. L-BFGS-B stops once
    the gradient is small, which along a flat direction (Gamma-Gamma's p, q, v trade off
    against each other) leaves the parameters uncertain around 1e-8: inputs that differ in
    their last bit (an average summed in another order on another engine) then give parameters
    that differ at 1e-8. At the optimum they differ by far less. The Hessian is the central
    difference of the analytic gradient. A step is kept when it shrinks the gradient and does
    not raise the objective beyond rounding: this close to the optimum the objective changes by
    less than its own rounding error (1e-15), so the gradient is the signal that still counts."""
    x = np.asarray(log_params, float).copy()
    n = x.shape[0]
    value, gradient = objective(x)
    for _ in range(max_steps):
        hessian = np.empty((n, n))
        for i in range(n):
            shift = np.zeros(n)
            shift[i] = 1e-5
            hessian[:, i] = (objective(x + shift)[1] - objective(x - shift)[1]) / 2e-5
        hessian = (hessian + hessian.T) / 2
        if not np.all(np.isfinite(hessian)) or np.any(np.linalg.eigvalsh(hessian) <= 0):
            break
        step = np.linalg.solve(hessian, gradient)
        candidate = x - step
        candidate_value, candidate_gradient = objective(candidate)
        rounding = 1e-12 * max(1.0, abs(value))
        if not (
            np.isfinite(candidate_value)
            and candidate_value <= value + rounding
            and np.max(np.abs(candidate_gradient)) < np.max(np.abs(gradient))
            and _inside_bounds(candidate)
        ):
            break
        x, value, gradient = candidate, candidate_value, candidate_gradient
        if np.max(np.abs(step)) < 1e-12:
            break
    return x


def fit_bgnbd(
    x: np.ndarray, t_x: np.ndarray, t: np.ndarray, start: tuple[float, float, float, float] | None = None
) -> BgNbdFit:
    """Maximum-likelihood BG/NBD parameters (r, alpha, a, b)."""
    ux, utx, ut, w = aggregate_triples(x, t_x, t)
    total = w.sum()
    if start is None:
        start = (1.0, max(float(np.mean(t)), 1e-3), 1.0, 1.0)

    x_groups = _per_x(ux)

    def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(log_params)
        ll, grad = bgnbd_log_likelihood_terms(params, ux, utx, ut, x_groups)
        value = -(w @ ll) / total
        gradient = -(w @ grad) * params / total
        if not np.isfinite(value):
            return 1e100, np.zeros(4)
        return value, gradient

    result, converged = _minimise_log_params(objective, np.asarray(start, float))
    r, alpha, a, b = (float(v) for v in np.exp(result.x))
    ll = bgnbd_log_likelihood(np.array([r, alpha, a, b]), ux, utx, ut, w)
    ok = converged and bool(np.isfinite(ll))
    return BgNbdFit(r, alpha, a, b, ll, ok, str(result.message))


def _inside_bounds(log_params: np.ndarray) -> bool:
    return bool(np.all(np.abs(log_params) < 19.9))


# --------------------------------------------------------------------------- Gamma-Gamma


def gamma_gamma_log_likelihood_terms(
    params: np.ndarray, x: np.ndarray, m: np.ndarray, x_groups: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-customer Gamma-Gamma log-likelihood and gradient w.r.t. (p, q, v); x > 0, m > 0."""
    p, q, v = params
    xs, inverse = x_groups or _per_x(x)
    px = p * x
    vxm = v + x * m
    log_m = np.log(m)
    log_x = np.log(x)
    log_vxm = np.log(vxm)
    ll = (
        (special.gammaln(p * xs + q) - special.gammaln(p * xs))[inverse] - special.gammaln(q) + q * np.log(v)
        + (px - 1.0) * log_m + px * log_x - (px + q) * log_vxm
    )
    dig = special.digamma(p * xs + q)[inverse]
    grad = np.empty((x.shape[0], 3))
    grad[:, 0] = x * (dig - special.digamma(p * xs)[inverse] + log_m + log_x - log_vxm)
    grad[:, 1] = dig - special.digamma(q) + np.log(v) - log_vxm
    grad[:, 2] = q / v - (px + q) / vxm
    return ll, grad


def fit_gamma_gamma(x: np.ndarray, m: np.ndarray) -> GammaGammaFit:
    """Maximum-likelihood Gamma-Gamma parameters (p, q, v) from repeaters with positive spend."""
    x = np.asarray(x, float)
    m = np.asarray(m, float)
    n = x.shape[0]
    start = np.array([1.0, 2.0, max(float(np.mean(m)), 1e-3)])

    x_groups = _per_x(x)

    def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(log_params)
        ll, grad = gamma_gamma_log_likelihood_terms(params, x, m, x_groups)
        value = -ll.sum() / n
        if not np.isfinite(value):
            return 1e100, np.zeros(3)
        return value, -grad.sum(axis=0) * params / n

    result, converged = _minimise_log_params(objective, start)
    p, q, v = (float(val) for val in np.exp(result.x))
    ll = float(gamma_gamma_log_likelihood_terms(np.array([p, q, v]), x, m)[0].sum())
    ok = converged and bool(np.isfinite(ll))
    return GammaGammaFit(p, q, v, ll, ok, str(result.message))


# --------------------------------------------------------------------------- predictions (Python)


def p_alive(params: tuple[float, float, float, float], x, t_x, t) -> np.ndarray:
    """P(alive) under BG/NBD (the formula contact_clv computes in SQL)."""
    r, alpha, a, b = params
    x = np.asarray(x, float)
    ratio = np.where(x > 0, a / (b + np.maximum(x, 1) - 1) * ((alpha + t) / (alpha + t_x)) ** (r + x), 0.0)
    return 1.0 / (1.0 + ratio)


def expected_purchases(params: tuple[float, float, float, float], horizon: float, x, t_x, t) -> np.ndarray:
    """Conditional expected number of transactions in (T, T + horizon] under BG/NBD (scipy's 2F1)."""
    r, alpha, a, b = params
    x = np.asarray(x, float)
    t = np.asarray(t, float)
    z = horizon / (alpha + t + horizon)
    # Euler's transformation: ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z)
    # = (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z), which stays finite for large x.
    hyp = (1.0 - z) ** (a - 1.0) * special.hyp2f1(a + b - 1.0 - r, a - 1.0, a + b + x - 1.0, z)
    numerator = (a + b + x - 1.0) / (a - 1.0) * (1.0 - hyp)
    return numerator * p_alive(params, x, t_x, t)


# --------------------------------------------------------------------------- the parameters row


def check_minimum_data(summary: pd.DataFrame, rules: MinimumData) -> str | None:
    """None when the summary is enough for a fit, else a one-line reason."""
    n_customers = len(summary)
    n_repeaters = int((summary["frequency"] > 0).sum()) if n_customers else 0
    n_monetary = int(_monetary_rows(summary).sum()) if n_customers else 0
    if n_customers < rules.min_customers:
        return f"{n_customers} customers with a transaction, fewer than the minimum {rules.min_customers}"
    if n_repeaters < rules.min_repeat_customers:
        return f"{n_repeaters} repeat customers, fewer than the minimum {rules.min_repeat_customers}"
    if n_monetary < rules.min_monetary_repeaters:
        return (
            f"{n_monetary} repeat customers with positive repeat spend, fewer than the minimum "
            f"{rules.min_monetary_repeaters}"
        )
    return None


FIT_INPUT_COLUMNS = ["frequency", "recency", "t", "monetary_frequency", "monetary_value"]


def _monetary_rows(summary: pd.DataFrame) -> pd.Series:
    m = pd.to_numeric(summary["monetary_value"], errors="coerce")
    return (summary["monetary_frequency"] > 0) & (m > 0)


def fit_parameters(
    summary: pd.DataFrame,
    as_of_date: str | date,
    time_unit_days: float,
    rules: MinimumData | None = None,
    fitted_at: datetime | None = None,
) -> pd.DataFrame:
    """One-row parameters dataframe (PARAMETER_COLUMNS) from a customer summary.

    `summary` needs the columns frequency (x), recency (t_x), t (T), monetary_value (mean of the
    positive repeat transaction values) and monetary_frequency (how many there are). Never raises
    on data: too little data or a failed fit give a row with status insufficient_data or
    fit_failed, null parameters and a message.
    """
    rules = rules or MinimumData()
    as_of = str(as_of_date)[:10]
    row: dict[str, object] = dict.fromkeys(PARAMETER_COLUMNS)
    row.update(
        fit_id=f"{as_of}/{float(time_unit_days):g}",
        as_of_date=date.fromisoformat(as_of),
        time_unit_days=float(time_unit_days),
        n_customers=len(summary),
        n_repeaters=int((summary["frequency"] > 0).sum()) if len(summary) else 0,
        n_monetary_repeaters=int(_monetary_rows(summary).sum()) if len(summary) else 0,
        converged=False,
        fitted_at=(fitted_at or datetime.now(UTC)).replace(tzinfo=None, microsecond=0),
    )
    reason = check_minimum_data(summary, rules)
    if reason is not None:
        row.update(status=STATUS_INSUFFICIENT, message=f"not fitted: {reason}; historical run-rate fallback")
        return _frame(row)

    # A canonical row order: the likelihood sums then add the same doubles in the same order
    # whichever engine (and row order) the summary came from, so parameters agree to the bit.
    summary = summary.sort_values(FIT_INPUT_COLUMNS, kind="mergesort", ignore_index=True)
    x = summary["frequency"].to_numpy(float)
    bg = fit_bgnbd(x, summary["recency"].to_numpy(float), summary["t"].to_numpy(float))
    monetary = summary[_monetary_rows(summary)]
    gg = fit_gamma_gamma(monetary["monetary_frequency"].to_numpy(float), monetary["monetary_value"].to_numpy(float))
    row.update(
        r=bg.r, alpha=bg.alpha, a=bg.a, b=bg.b, p=gg.p, q=gg.q, v=gg.v,
        bgnbd_log_likelihood=bg.log_likelihood, gamma_gamma_log_likelihood=gg.log_likelihood,
    )
    problems = []
    if not bg.converged:
        problems.append(f"BG/NBD did not converge ({bg.message})")
    if not gg.converged:
        problems.append(f"Gamma-Gamma did not converge ({gg.message})")
    if gg.converged and gg.q <= 1.0:
        problems.append(f"Gamma-Gamma q = {gg.q:.4g} <= 1 (no finite mean spend)")
    if abs(bg.a - 1.0) < 1e-9:
        problems.append("BG/NBD a = 1 (expected purchases undefined)")
    if problems:
        row.update(
            status=STATUS_FAILED, converged=False,
            message="; ".join(problems) + "; historical run-rate fallback",
        )
        for name in ("r", "alpha", "a", "b", "p", "q", "v"):
            if not np.isfinite(float(row[name])):
                row[name] = None
        return _frame(row)
    row.update(
        status=STATUS_FITTED, converged=True,
        message=(
            f"fitted on {row['n_customers']} customers, {row['n_repeaters']} repeaters "
            f"({row['n_monetary_repeaters']} with positive repeat spend)"
        ),
    )
    return _frame(row)


def _frame(row: dict[str, object]) -> pd.DataFrame:
    frame = pd.DataFrame([row], columns=PARAMETER_COLUMNS)
    for name in ("r", "alpha", "a", "b", "p", "q", "v", "bgnbd_log_likelihood", "gamma_gamma_log_likelihood"):
        frame[name] = frame[name].astype("float64")
    for name in ("n_customers", "n_repeaters", "n_monetary_repeaters"):
        frame[name] = frame[name].astype("int64")
    frame["converged"] = frame["converged"].astype(bool)
    frame["time_unit_days"] = frame["time_unit_days"].astype("float64")
    for name in ("fit_id", "status", "message"):
        frame[name] = frame[name].astype(object)
    return frame


# --------------------------------------------------------------------------- calibration / holdout


def summarise_transactions(
    transactions: pd.DataFrame, as_of_date: str | date, time_unit_days: float
) -> pd.DataFrame:
    """Customer summary (the int_contacts__clv_summary rules) from transaction days up to as_of_date.

    `transactions`: one row per contact and transaction day with contact_id, transaction_date,
    transaction_value. Every day counts for BG/NBD; only positive values feed monetary_value.
    """
    as_of = pd.Timestamp(as_of_date)
    tx = transactions.assign(transaction_date=pd.to_datetime(transactions["transaction_date"]))
    tx = tx[tx["transaction_date"] <= as_of].sort_values(["contact_id", "transaction_date"])
    columns = ["contact_id", "frequency", "recency", "t", "monetary_value", "monetary_frequency"]
    if tx.empty:
        return pd.DataFrame({c: pd.Series(dtype=object if c == "contact_id" else float) for c in columns})
    first = tx.groupby("contact_id")["transaction_date"].transform("min")
    repeat = tx[tx["transaction_date"] > first]
    positive = repeat[repeat["transaction_value"] > 0]
    grouped = tx.groupby("contact_id")["transaction_date"]
    out = pd.DataFrame({
        "frequency": grouped.count() - 1,
        "recency": (grouped.max() - grouped.min()).dt.days / time_unit_days,
        "t": (as_of - grouped.min()).dt.days / time_unit_days,
    })
    out["monetary_value"] = positive.groupby("contact_id")["transaction_value"].mean()
    out["monetary_frequency"] = positive.groupby("contact_id")["transaction_value"].count()
    out["monetary_frequency"] = out["monetary_frequency"].fillna(0)
    return out.reset_index()[columns]


def calibrate(
    transactions: pd.DataFrame,
    split_date: str | date,
    end_date: str | date,
    time_unit_days: float,
    rules: MinimumData | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit on transactions up to split_date; predict repeat transactions in (split_date, end_date].

    Returns (parameters row, per-customer frame with frequency_cal, recency_cal, t_cal,
    predicted_holdout, actual_holdout) for the customers whose first transaction is in the
    calibration period.
    """
    split = pd.Timestamp(split_date)
    end = pd.Timestamp(end_date)
    if end <= split:
        raise ValueError(f"end date {end.date()} must be after the split date {split.date()}")
    calibration = summarise_transactions(transactions, split, time_unit_days)
    parameters = fit_parameters(calibration, split.date(), time_unit_days, rules)
    dates = pd.to_datetime(transactions["transaction_date"])
    holdout = transactions[(dates > split) & (dates <= end)]
    actual = holdout.groupby("contact_id").size().rename("actual_holdout")
    per_customer = calibration.set_index("contact_id").join(actual).fillna({"actual_holdout": 0})
    horizon = (end - split).days / time_unit_days
    row = parameters.iloc[0]
    if row["status"] == STATUS_FITTED:
        params = (row["r"], row["alpha"], row["a"], row["b"])
        per_customer["predicted_holdout"] = expected_purchases(
            params, horizon, per_customer["frequency"], per_customer["recency"], per_customer["t"]
        )
    else:
        per_customer["predicted_holdout"] = np.nan
    per_customer = per_customer.rename(columns={"frequency": "frequency_cal", "recency": "recency_cal", "t": "t_cal"})
    keep = ["frequency_cal", "recency_cal", "t_cal", "predicted_holdout", "actual_holdout"]
    return parameters, per_customer.reset_index()[["contact_id", *keep]]


def calibration_report(parameters: pd.DataFrame, per_customer: pd.DataFrame) -> str:
    """Plain-text report: fit, totals, and mean predicted vs actual by calibration frequency."""
    row = parameters.iloc[0]
    lines = [f"status: {row['status']} ({row['message']})"]
    if row["status"] != STATUS_FITTED:
        return "\n".join(lines)
    lines.append(
        f"BG/NBD r={row['r']:.4f} alpha={row['alpha']:.4f} a={row['a']:.4f} b={row['b']:.4f} "
        f"LL={row['bgnbd_log_likelihood']:.2f}"
    )
    predicted = per_customer["predicted_holdout"].sum()
    actual = per_customer["actual_holdout"].sum()
    n = max(len(per_customer), 1)
    lines.append(f"customers: {len(per_customer)}")
    lines.append(f"holdout repeat transactions: predicted {predicted:.1f}, actual {actual:.0f}")
    lines.append(f"per customer: predicted {predicted / n:.4f}, actual {actual / n:.4f}")
    mae = (per_customer["predicted_holdout"] - per_customer["actual_holdout"]).abs().mean()
    lines.append(f"mean absolute error per customer: {mae:.4f}")
    groups = per_customer.assign(frequency_cal=per_customer["frequency_cal"].clip(upper=7)).groupby("frequency_cal")
    lines.append("calibration repeat transactions (7 = 7+): customers, mean predicted, mean actual")
    for freq, grp in groups:
        lines.append(
            f"  {int(freq)}: {len(grp)}, {grp['predicted_holdout'].mean():.3f}, {grp['actual_holdout'].mean():.3f}"
        )
    return "\n".join(lines)
