"""Customer lifetime value: maximum-likelihood fits of the BG/NBD, Pareto/NBD and Gamma-Gamma
models, and the choice of the purchase model that scores (clv_model, holdout comparison).

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

Pareto/NBD (Fader & Hardie 2005, "A Note on Deriving the Pareto/NBD Model and Related
Expressions"): see pareto_nbd_log_likelihood_terms.

Speed: customers are collapsed to distinct (x, t_x, T) triples with counts and the weighted
log-likelihood is maximised by L-BFGS-B on log-parameters, with analytic gradients (BG/NBD,
Gamma-Gamma) or central differences (Pareto/NBD). The BG/NBD and Gamma-Gamma objectives are
one vectorised pass each (BgNbdTotals, GammaGammaTotals): terms in x once per distinct x, times
once per distinct time, sums without BLAS.
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
    # Pareto/NBD beside BG/NBD, and which of the two scores (columns added at the end).
    "pnbd_r",
    "pnbd_alpha",
    "pnbd_s",
    "pnbd_beta",
    "pareto_nbd_log_likelihood",
    "clv_model",
    "clv_model_setting",
    "selection_reason",
    "holdout_split_date",
    "holdout_customers",
    "holdout_actual_purchases",
    "holdout_bgnbd_purchases",
    "holdout_pareto_nbd_purchases",
    "holdout_bgnbd_mae",
    "holdout_pareto_nbd_mae",
]

# Purchase models (clv_parameters.clv_model) and the settings of var clv_model.
MODEL_BGNBD = "bgnbd"
MODEL_PARETO_NBD = "pareto_nbd"
MODEL_AUTO = "auto"
MODELS = (MODEL_BGNBD, MODEL_PARETO_NBD)
MODEL_SETTINGS = (*MODELS, MODEL_AUTO)
MODEL_LABELS = {MODEL_BGNBD: "BG/NBD", MODEL_PARETO_NBD: "Pareto/NBD"}
MODEL_PARAMETERS = {
    MODEL_BGNBD: ("r", "alpha", "a", "b", "bgnbd_log_likelihood"),
    MODEL_PARETO_NBD: ("pnbd_r", "pnbd_alpha", "pnbd_s", "pnbd_beta", "pareto_nbd_log_likelihood"),
}


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
    """Distinct (x, t_x, T) rows, in the order of their first occurrence, and how many
    customers share each one (each column factorised, the three codes combined into one key)."""
    columns = [np.asarray(v, float) for v in (x, t_x, t)]
    factorised = [pd.factorize(column) for column in columns]
    sizes = [len(values) for _, values in factorised]
    if np.prod(np.asarray(sizes, float)) >= 2.0**62:  # the combined key would overflow
        frame = pd.DataFrame({"x": columns[0], "t_x": columns[1], "t": columns[2]})
        counts = frame.groupby(["x", "t_x", "t"], sort=False).size()
        keys = counts.index
        return (*(keys.get_level_values(i).to_numpy(float) for i in range(3)), counts.to_numpy(float))
    key = np.zeros(columns[0].shape[0], dtype=np.int64)
    for (codes, _), size in zip(factorised, sizes, strict=True):
        key = key * size + codes
    key_codes, distinct = pd.factorize(key)
    weights = np.bincount(key_codes).astype(float)
    rows = []
    for (_, values), size in zip(reversed(factorised), reversed(sizes), strict=True):
        rows.append(np.asarray(values, float)[distinct % size])
        distinct = distinct // size
    ux, utx, ut = reversed(rows)
    return ux, utx, ut, weights


def _per_x(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct x values and the index of each row's value: special functions of x are
    evaluated once per distinct x (a few hundred values) instead of once per row."""
    values, inverse = np.unique(x, return_inverse=True)
    return values, inverse


def bgnbd_x_terms(xs: np.ndarray, r: float, a: float, b: float) -> tuple[np.ndarray, ...]:
    """Per value of x: ln G(r+x) - ln G(r) + ln B(a, b+x) - ln B(a, b) (the BG/NBD likelihood
    terms in x alone, without r ln(alpha)) and its derivatives with respect to r, a and b. For
    whole x (counts of repeat transactions, the usual case) these are sums over j < x of
    ln(r+j) - ln(1 + a/(b+j)), 1/(r+j), -1/(a+b+j) and a/((b+j)(a+b+j)): exact where a and b run
    off together (a dropout probability that does not vary across customers), where the
    differences of large ln G and digamma values lose most of their digits."""
    xs = np.asarray(xs, float)
    whole = bool(xs.size and np.all((xs >= 0) & (xs == np.round(xs))) and xs.max() <= MAX_SUMMED_X)
    if not whole:
        dig_ab = special.digamma(a + b)
        return (
            special.gammaln(r + xs)
            - special.gammaln(r)
            + special.gammaln(a + b)
            + special.gammaln(b + xs)
            - special.gammaln(b)
            - special.gammaln(a + b + xs),
            special.digamma(r + xs) - special.digamma(r),
            dig_ab - special.digamma(a + b + xs),
            dig_ab + special.digamma(b + xs) - special.digamma(b) - special.digamma(a + b + xs),
        )
    j = np.arange(int(xs.max()), dtype=float)
    index = xs.astype(int)
    inv_abj = 1.0 / (a + b + j)
    per_step = (np.log(r + j) - np.log1p(a / (b + j)), 1.0 / (r + j), -inv_abj, a / (b + j) * inv_abj)
    return tuple(np.concatenate(([0.0], np.cumsum(values)))[index] for values in per_step)


def bgnbd_log_likelihood_terms(
    params: np.ndarray,
    x: np.ndarray,
    t_x: np.ndarray,
    t: np.ndarray,
    x_groups: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-row log-likelihood and its gradient with respect to (r, alpha, a, b): shapes (n,), (n, 4)."""
    r, alpha, a, b = params
    xs, inverse = x_groups or _per_x(x)
    repeat = x > 0
    rx = r + x
    x_part, d_r, d_a, d_b = bgnbd_x_terms(xs, r, a, b)
    a12 = (x_part + r * np.log(alpha))[inverse]
    log_alpha_t = np.log(alpha + t)
    log_alpha_tx = np.log(alpha + t_x)
    a3 = -rx * log_alpha_t
    bx1 = np.where(repeat, b + x - 1.0, 1.0)
    a4 = np.where(repeat, np.log(a) - np.log(bx1) - rx * log_alpha_tx, -np.inf)
    tail = np.logaddexp(a3, a4)
    w3 = np.exp(a3 - tail)
    w4 = np.where(repeat, np.exp(a4 - tail), 0.0)

    d_r = (d_r + np.log(alpha))[inverse]
    d_a = d_a[inverse]
    d_b = d_b[inverse]
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


MAX_SUMMED_X = 100_000  # bgnbd_x_terms sums over j < x up to this x
SOFTPLUS_LINEAR_ABOVE = 700.0  # ln(1 + e^d) is d to the last bit long before e^d overflows
GRADIENT_TOLERANCE = 1e-5  # max |d mean log-likelihood / d log parameter| accepted as an optimum


def _minimise_log_params(
    objective,
    start: np.ndarray,
    max_calls: int = 15000,
    polish_steps: int = 10,
    keep_stationary_inside: bool = False,
    reuse_hessian: bool = False,
) -> tuple[optimize.OptimizeResult, bool]:
    """L-BFGS-B on log-parameters. Converged = scipy reports success, or it stopped (e.g. a line
    search at machine precision) where the gradient of the mean log-likelihood is ~0.

    keep_stationary_inside: when the optimiser runs out to a bound along a flat ridge (BG/NBD's
    a and b growing together when the dropout probability does not vary across customers: the
    supremum is at infinity), the best point it evaluated inside the bounds where the gradient
    was already ~0 is kept instead of the bound."""
    bounds = [(-20.0, 20.0)] * len(start)
    stationary_inside: dict[str, object] = {}

    def recorded(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        value, gradient = objective(log_params)
        if (
            keep_stationary_inside
            and np.isfinite(value)
            and np.all(np.abs(gradient) < GRADIENT_TOLERANCE)
            and _inside_bounds(log_params)
            and value < stationary_inside.get("value", np.inf)
        ):
            stationary_inside.update(value=value, x=np.array(log_params, float))
        return value, gradient

    result = optimize.minimize(
        recorded,
        np.log(start),
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 2000, "maxfun": max_calls, "ftol": 1e-15, "gtol": 1e-9},
    )
    result.x = _newton_polish(objective, result.x, polish_steps, reuse_hessian)
    if not _inside_bounds(result.x) and "x" in stationary_inside:
        result.x = stationary_inside["x"]
        result.message = f"{result.message}; kept the best stationary point inside the bounds"
    value, gradient = objective(result.x)
    stationary = bool(np.isfinite(value) and np.all(np.abs(gradient) < GRADIENT_TOLERANCE))
    return result, (bool(result.success) or stationary) and _inside_bounds(result.x)


def _newton_polish(objective, log_params: np.ndarray, max_steps: int = 10, reuse_hessian: bool = False) -> np.ndarray:
    """Newton steps from L-BFGS-B's stopping point to the optimum itself. L-BFGS-B stops once
    the gradient is small, which along a flat direction (Gamma-Gamma's p, q, v trade off
    against each other) leaves the parameters uncertain around 1e-8: inputs that differ in
    their last bit (an average summed in another order on another engine) then give parameters
    that differ at 1e-8. At the optimum they differ by far less. The Hessian is the central
    difference of the gradient; with reuse_hessian (analytic gradients) it is evaluated once
    and kept while its steps are accepted (this close to the optimum it barely changes; a
    rejected step re-evaluates it), else evaluated at every step. A step is
    kept when it shrinks the gradient and does not raise the objective beyond rounding: this
    close to the optimum the objective changes by less than its own rounding error (1e-15), so
    the gradient is the signal that still counts."""
    x = np.asarray(log_params, float).copy()
    n = x.shape[0]
    value, gradient = objective(x)
    hessian, fresh = None, False
    for _ in range(max_steps):
        if hessian is None:
            hessian, fresh = np.empty((n, n)), True
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
            if fresh:
                break
            hessian = None  # the Hessian of an earlier point: evaluate it here and try again
            continue
        x, value, gradient = candidate, candidate_value, candidate_gradient
        fresh = False
        if not reuse_hessian:
            hessian = None
        if np.max(np.abs(step)) < 1e-12:
            break
    return x


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """Sum of a * b for long 1-D arrays without BLAS: numpy's `@` calls a multi-threaded BLAS
    dot whose threads, on a machine whose cores are busy, cost milliseconds per call (ten or so
    calls per likelihood evaluation); einsum sums in one thread in a fraction of that."""
    return float(np.einsum("i,i->", a, b))


class BgNbdTotals:
    """The weighted BG/NBD log-likelihood and its gradient over distinct (x, t_x, T) rows, in
    one vectorised pass per evaluation (the fit's objective; bgnbd_log_likelihood_terms is the
    per-row form of the same formula). The per-customer likelihood splits into
      a part that depends on x only: ln G(r+x) - ln G(r) + r ln(alpha) + ln B(a, b+x) - ln B(a, b),
        summed once per distinct x with the weight of its rows;
      -(r+x) ln(alpha+T) + softplus(d) with d = ln(a/(b+x-1)) + (r+x) ln((alpha+T)/(alpha+t_x))
        for x > 0 (the log-odds that the customer dropped out after t_x), where
        ln[(alpha+T)^-(r+x) + a/(b+x-1) (alpha+t_x)^-(r+x)] = -(r+x) ln(alpha+T) + softplus(d);
      -r ln(alpha+T) for x = 0.
    ln(alpha+T), ln(alpha+t_x) and their reciprocals are evaluated once per distinct time."""

    def __init__(self, x: np.ndarray, t_x: np.ndarray, t: np.ndarray, weights: np.ndarray) -> None:
        x, t_x, t, weights = (np.asarray(v, float) for v in (x, t_x, t, weights))
        self.total = float(weights.sum())
        x_codes, xs = pd.factorize(x)
        self.xs = np.asarray(xs, float)
        self.x_weights = np.bincount(x_codes, weights=weights, minlength=self.xs.shape[0])
        t_codes, t_values = pd.factorize(t)
        t_x_codes, t_x_values = pd.factorize(t_x)
        # T and t_x index one array of times: ln(alpha + time) once per distinct time
        self.times = np.concatenate([np.asarray(t_values, float), np.asarray(t_x_values, float)])
        t_x_codes = t_x_codes + len(t_values)
        repeat = x > 0
        self.once_weights = weights[~repeat]  # x = 0: -r ln(alpha+T)
        self.once_t = t_codes[~repeat]
        self.w = weights[repeat]
        self.x = x[repeat]
        self.x_code = x_codes[repeat]
        self.t = t_codes[repeat]
        self.t_x = t_x_codes[repeat]
        self.wx = self.w * self.x

    def __call__(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        """(total log-likelihood, its gradient with respect to (r, alpha, a, b))."""
        r, alpha, a, b = params
        xw = self.x_weights
        xs = self.xs
        log_times = np.log(alpha + self.times)
        inv_times = 1.0 / (alpha + self.times)
        x_part, d_r, d_a, d_b = bgnbd_x_terms(xs, r, a, b)
        with np.errstate(divide="ignore"):
            inv_bx1 = np.where(xs > 0, 1.0 / (b + xs - 1.0), 0.0)
            log_odds_x = np.where(xs > 0, np.log(a) + np.log(inv_bx1), 0.0)
        # x = 0: alive at T for sure, the tail is (alpha+T)^-r
        once_sum = _dot(self.once_weights, log_times[self.once_t])
        once_inv = _dot(self.once_weights, inv_times[self.once_t])
        # x > 0. Buffers are reused in place: at a few hundred thousand rows allocating an array
        # costs as much as computing it.
        log_t = log_times[self.t]
        log_ratio = log_t - log_times[self.t_x]
        d = log_odds_x[self.x_code]
        d += (r + self.x) * log_ratio
        odds = np.minimum(d, SOFTPLUS_LINEAR_ABOVE)
        np.exp(odds, out=odds)
        ww4 = odds + 1.0
        np.divide(odds, ww4, out=ww4)  # sigmoid(d) = P(dropped out after t_x | data)
        # softplus(d) = ln(1 + e^d), = d where e^d would overflow
        softplus_sum = _dot(self.w, np.log1p(odds))
        if d.max() > SOFTPLUS_LINEAR_ABOVE:
            softplus_sum += _dot(self.w, np.maximum(d - SOFTPLUS_LINEAR_ABOVE, 0.0))
        ww4 *= self.w
        sum_w_log_t = _dot(self.w, log_t)
        value = (
            xw @ x_part
            + self.total * r * np.log(alpha)
            - r * (once_sum + sum_w_log_t)
            - _dot(self.wx, log_t)
            + softplus_sum
        )
        # d tail / d alpha = -(r+x) [(1-w4)/(alpha+T) + w4/(alpha+t_x)]
        inv_t = inv_times[self.t]
        inv_diff = inv_times[self.t_x]
        inv_diff -= inv_t
        inv_diff *= ww4
        gradient = np.array(
            [
                xw @ d_r + self.total * np.log(alpha) - once_sum - sum_w_log_t + _dot(ww4, log_ratio),
                self.total * r / alpha
                - r * once_inv
                - r * _dot(self.w, inv_t)
                - _dot(self.wx, inv_t)
                - r * inv_diff.sum()
                - _dot(self.x, inv_diff),
                xw @ d_a + ww4.sum() / a,
                xw @ d_b - _dot(ww4, inv_bx1[self.x_code]),
            ]
        )
        return float(value), gradient


def fit_bgnbd(
    x: np.ndarray, t_x: np.ndarray, t: np.ndarray, start: tuple[float, float, float, float] | None = None
) -> BgNbdFit:
    """Maximum-likelihood BG/NBD parameters (r, alpha, a, b)."""
    totals = BgNbdTotals(*aggregate_triples(x, t_x, t))
    if start is None:
        start = (1.0, max(float(np.mean(t)), 1e-3), 1.0, 1.0)

    def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(log_params)
        ll, grad = totals(params)
        value = -ll / totals.total
        if not np.isfinite(value):
            return 1e100, np.zeros(4)
        return value, -grad * params / totals.total

    result, converged = _minimise_log_params(
        objective, np.asarray(start, float), keep_stationary_inside=True, reuse_hessian=True
    )
    r, alpha, a, b = (float(v) for v in np.exp(result.x))
    ll = totals(np.array([r, alpha, a, b]))[0]
    ok = converged and bool(np.isfinite(ll))
    return BgNbdFit(r, alpha, a, b, ll, ok, str(result.message))


def _inside_bounds(log_params: np.ndarray) -> bool:
    return bool(np.all(np.abs(log_params) < 19.9))


# --------------------------------------------------------------------------- Gamma-Gamma


def gamma_gamma_log_likelihood_terms(
    params: np.ndarray,
    x: np.ndarray,
    m: np.ndarray,
    x_groups: tuple[np.ndarray, np.ndarray] | None = None,
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
        (special.gammaln(p * xs + q) - special.gammaln(p * xs))[inverse]
        - special.gammaln(q)
        + q * np.log(v)
        + (px - 1.0) * log_m
        + px * log_x
        - (px + q) * log_vxm
    )
    dig = special.digamma(p * xs + q)[inverse]
    grad = np.empty((x.shape[0], 3))
    grad[:, 0] = x * (dig - special.digamma(p * xs)[inverse] + log_m + log_x - log_vxm)
    grad[:, 1] = dig - special.digamma(q) + np.log(v) - log_vxm
    grad[:, 2] = q / v - (px + q) / vxm
    return ll, grad


class GammaGammaTotals:
    """The Gamma-Gamma log-likelihood and its gradient summed over the customers, in one
    vectorised pass per evaluation (the fit's objective; gamma_gamma_log_likelihood_terms is
    the per-customer form). Only ln(v + x mbar) and 1/(v + x mbar) are evaluated per customer:
    the terms in x alone are summed once per distinct x with its count, and sum ln mbar,
    sum x ln mbar and sum x ln x are constants."""

    def __init__(self, x: np.ndarray, m: np.ndarray) -> None:
        x = np.asarray(x, float)
        m = np.asarray(m, float)
        self.n = float(x.shape[0])
        codes, xs = pd.factorize(x)
        self.xs = np.asarray(xs, float)
        self.x_counts = np.bincount(codes, minlength=self.xs.shape[0]).astype(float)
        self.x = x
        self.xm = x * m
        log_m = np.log(m)
        self.sum_log_m = float(log_m.sum())
        self.sum_x_log_xm = _dot(x, log_m + np.log(x))

    def __call__(self, params: np.ndarray) -> tuple[float, np.ndarray]:
        """(total log-likelihood, its gradient with respect to (p, q, v))."""
        p, q, v = params
        xs, counts, n = self.xs, self.x_counts, self.n
        vxm = v + self.xm
        log_vxm = np.log(vxm)
        inv_vxm = 1.0 / vxm
        sum_x_log = _dot(self.x, log_vxm)
        sum_log = log_vxm.sum()
        value = (
            counts @ (special.gammaln(p * xs + q) - special.gammaln(p * xs))
            - n * special.gammaln(q)
            + n * q * np.log(v)
            + p * self.sum_x_log_xm
            - self.sum_log_m
            - p * sum_x_log
            - q * sum_log
        )
        dig = special.digamma(p * xs + q)
        gradient = np.array(
            [
                (counts * xs) @ (dig - special.digamma(p * xs)) + self.sum_x_log_xm - sum_x_log,
                counts @ dig - n * special.digamma(q) + n * np.log(v) - sum_log,
                n * q / v - p * _dot(self.x, inv_vxm) - q * inv_vxm.sum(),
            ]
        )
        return float(value), gradient


def fit_gamma_gamma(x: np.ndarray, m: np.ndarray) -> GammaGammaFit:
    """Maximum-likelihood Gamma-Gamma parameters (p, q, v) from repeaters with positive spend."""
    x = np.asarray(x, float)
    m = np.asarray(m, float)
    totals = GammaGammaTotals(x, m)
    n = totals.n
    start = np.array([1.0, 2.0, max(float(np.mean(m)), 1e-3)])

    def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(log_params)
        ll, grad = totals(params)
        value = -ll / n
        if not np.isfinite(value):
            return 1e100, np.zeros(3)
        return value, -grad * params / n

    result, converged = _minimise_log_params(objective, start, reuse_hessian=True)
    p, q, v = (float(val) for val in np.exp(result.x))
    ll = totals(np.array([p, q, v]))[0]
    ok = converged and bool(np.isfinite(ll))
    return GammaGammaFit(p, q, v, ll, ok, str(result.message))


# --------------------------------------------------------------------------- Pareto/NBD


@dataclass(frozen=True)
class ParetoNbdFit:
    r: float
    alpha: float
    s: float
    beta: float
    log_likelihood: float
    converged: bool
    message: str


def pareto_nbd_tail_factor(params, x, y) -> np.ndarray:
    """G(y) of the Pareto/NBD integral: s * int_y^inf (alpha+u)^-(r+x) s (beta+u)^-(s+1) du
    = s/(r+s+x) (alpha+y)^-(r+x) (beta+y)^-s G(y), with Euler's transformation of the
    2F1 of Fader & Hardie's note (upper parameters 1 and r+x or s+1, lower r+s+x+1, so the
    series terms shrink by at least z from the first):
      alpha >= beta: G = 2F1(1, r+x; r+s+x+1; (alpha-beta)/(alpha+y))
      alpha <  beta: G = (alpha+y)/(beta+y) 2F1(1, s+1; r+s+x+1; (beta-alpha)/(beta+y))."""
    r, alpha, s, beta = params
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    lower = r + s + x + 1.0
    if alpha >= beta:
        return special.hyp2f1(1.0, r + x, lower, (alpha - beta) / (alpha + y))
    return (alpha + y) / (beta + y) * special.hyp2f1(1.0, s + 1.0, lower, (beta - alpha) / (beta + y))


def pareto_nbd_log_likelihood_terms(params, x: np.ndarray, t_x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Per-row Pareto/NBD log-likelihood (Fader & Hardie 2005, "A Note on Deriving the
    Pareto/NBD Model and Related Expressions"):
      L = G(r+x)/G(r) alpha^r beta^s [ (alpha+T)^-(r+x) (beta+T)^-s
            + s/(r+s+x) ((alpha+t_x)^-(r+x) (beta+t_x)^-s G(t_x) - (alpha+T)^-(r+x) (beta+T)^-s G(T)) ]
    in logs: the bracket is (alpha+T)^-(r+x) (beta+T)^-s (1 - s/(r+s+x) G(T)) (still alive at T,
    positive) plus s/(r+s+x) (alpha+t_x)^-(r+x) (beta+t_x)^-s G(t_x) (dropped out in (t_x, T])."""
    r, alpha, s, beta = params
    rx = r + x
    m = rx + s
    lead = special.gammaln(rx) - special.gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    log_t = -rx * np.log(alpha + t) - s * np.log(beta + t)
    log_tx = -rx * np.log(alpha + t_x) - s * np.log(beta + t_x)
    with np.errstate(all="ignore"):  # outside the parameter space a NaN, which the fit rejects
        alive = log_t + np.log1p(-s / m * pareto_nbd_tail_factor(params, x, t))
        dropped = np.log(s / m) + log_tx + np.log(pareto_nbd_tail_factor(params, x, t_x))
        return lead + np.logaddexp(alive, dropped)


def pareto_nbd_log_likelihood(
    params, x: np.ndarray, t_x: np.ndarray, t: np.ndarray, weights: np.ndarray | None = None
) -> float:
    """Total Pareto/NBD log-likelihood of (r, alpha, s, beta) over the customers (weighted rows)."""
    ll = pareto_nbd_log_likelihood_terms(
        np.asarray(params, float), np.asarray(x, float), np.asarray(t_x, float), np.asarray(t, float)
    )
    return float(ll.sum() if weights is None else (weights * ll).sum())


NUMERIC_STEP = 1e-5  # central-difference step in log-parameters (Pareto/NBD gradient)


def fit_pareto_nbd(
    x: np.ndarray, t_x: np.ndarray, t: np.ndarray, start: tuple[float, float, float, float] | None = None
) -> ParetoNbdFit:
    """Maximum-likelihood Pareto/NBD parameters (r, alpha, s, beta). The gradient is a central
    difference in log-parameters (no closed form for the derivatives of 2F1 in its parameters);
    the function is smooth across alpha = beta, where the two forms of 2F1 meet (z = 0)."""
    ux, utx, ut, w = aggregate_triples(x, t_x, t)
    total = w.sum()
    if start is None:
        scale = max(float(np.mean(t)), 1e-3)
        start = (1.0, scale, 1.0, scale)

    def value_of(log_params: np.ndarray) -> float:
        value = -(w @ pareto_nbd_log_likelihood_terms(np.exp(log_params), ux, utx, ut)) / total
        return float(value) if np.isfinite(value) else 1e100

    def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        value = value_of(log_params)
        gradient = np.empty(4)
        for i in range(4):
            shift = np.zeros(4)
            shift[i] = NUMERIC_STEP
            gradient[i] = (value_of(log_params + shift) - value_of(log_params - shift)) / (2 * NUMERIC_STEP)
        if value >= 1e100 or not np.all(np.isfinite(gradient)) or np.any(np.abs(gradient) > 1e90):
            return 1e100, np.zeros(4)
        return value, gradient

    # A budget: where the data show almost no dropout the optimum runs off towards s -> 0,
    # beta -> infinity, where 2F1's argument approaches 1 and each evaluation is slow.
    result, converged = _minimise_log_params(objective, np.asarray(start, float), max_calls=300, polish_steps=4)
    r, alpha, s, beta = (float(v) for v in np.exp(result.x))
    ll = pareto_nbd_log_likelihood(np.array([r, alpha, s, beta]), ux, utx, ut, w)
    ok = converged and bool(np.isfinite(ll))
    return ParetoNbdFit(r, alpha, s, beta, ll, ok, str(result.message))


def pareto_nbd_p_alive(params, x, t_x, t) -> np.ndarray:
    """P(alive) under Pareto/NBD (the formula contact_clv computes in SQL):
    1 / (1 + s/(r+s+x) [((alpha+T)/(alpha+t_x))^(r+x) ((beta+T)/(beta+t_x))^s G(t_x) - G(T)])."""
    r, alpha, s, beta = params
    x, t_x, t = (np.asarray(v, float) for v in (x, t_x, t))
    log_ratio = (r + x) * np.log((alpha + t) / (alpha + t_x)) + s * np.log((beta + t) / (beta + t_x))
    with np.errstate(over="ignore"):
        odds = (
            s
            / (r + s + x)
            * (np.exp(log_ratio) * pareto_nbd_tail_factor(params, x, t_x) - pareto_nbd_tail_factor(params, x, t))
        )
    return 1.0 / (1.0 + odds)


def pareto_nbd_purchases_if_alive(params, horizon: float, x, t) -> np.ndarray:
    """Expected transactions in (T, T + horizon] of a customer alive at T:
    (r+x)(beta+T) / ((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+horizon))^(s-1)]
    ((r+x)/(alpha+T) (beta+T) ln((beta+T+horizon)/(beta+T)) at s = 1)."""
    r, alpha, s, beta = params
    x, t = np.asarray(x, float), np.asarray(t, float)
    rate = (r + x) / (alpha + t)
    log_ratio = np.log((beta + t + horizon) / (beta + t))
    if abs(s - 1.0) < 1e-9:
        return rate * (beta + t) * log_ratio
    return rate * (beta + t) / (s - 1.0) * -np.expm1(-(s - 1.0) * log_ratio)


def pareto_nbd_expected_purchases(params, horizon: float, x, t_x, t) -> np.ndarray:
    """Conditional expected number of transactions in (T, T + horizon] under Pareto/NBD."""
    return pareto_nbd_purchases_if_alive(params, horizon, x, t) * pareto_nbd_p_alive(params, x, t_x, t)


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
    clv_model: str = MODEL_BGNBD,
    transactions: pd.DataFrame | None = None,
    holdout_share: float = 0.25,
) -> pd.DataFrame:
    """One-row parameters dataframe (PARAMETER_COLUMNS) from a customer summary.

    `summary` needs the columns frequency (x), recency (t_x), t (T), monetary_value (mean of the
    positive repeat transaction values) and monetary_frequency (how many there are). Both
    purchase models (BG/NBD, Pareto/NBD) and Gamma-Gamma are fitted; `clv_model` says which
    purchase model scores: bgnbd, pareto_nbd, or auto (the one with the smaller mean absolute
    error of per-customer repeat transactions in a holdout: the last `holdout_share` of the
    observation period of `transactions`, see select_model). Never raises on data: too little
    data or a failed fit give a row with status insufficient_data or fit_failed, null
    parameters and a message.
    """
    if clv_model not in MODEL_SETTINGS:
        raise ValueError(f"clv_model must be one of {', '.join(MODEL_SETTINGS)}, got '{clv_model}'")
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
        clv_model_setting=clv_model,
    )
    reason = check_minimum_data(summary, rules)
    if reason is not None:
        row.update(
            status=STATUS_INSUFFICIENT,
            message=f"not fitted: {reason}; historical run-rate fallback",
            selection_reason=f"not fitted: {reason}",
        )
        return _frame(row)

    bg, pnbd = fit_purchase_models(summary)
    ordered = _sorted(summary)
    monetary = ordered[_monetary_rows(ordered)]
    gg = fit_gamma_gamma(monetary["monetary_frequency"].to_numpy(float), monetary["monetary_value"].to_numpy(float))
    row.update(
        r=bg.r,
        alpha=bg.alpha,
        a=bg.a,
        b=bg.b,
        p=gg.p,
        q=gg.q,
        v=gg.v,
        bgnbd_log_likelihood=bg.log_likelihood,
        gamma_gamma_log_likelihood=gg.log_likelihood,
    )
    if pnbd is not None:
        row.update(
            pnbd_r=pnbd.r,
            pnbd_alpha=pnbd.alpha,
            pnbd_s=pnbd.s,
            pnbd_beta=pnbd.beta,
            pareto_nbd_log_likelihood=pnbd.log_likelihood,
        )
    usable = {
        MODEL_BGNBD: bg.converged and abs(bg.a - 1.0) >= 1e-9,
        MODEL_PARETO_NBD: pnbd is not None and pnbd.converged,
    }

    if clv_model == MODEL_AUTO:
        comparison = holdout_comparison(transactions, as_of, time_unit_days, holdout_share, rules)
        row.update({k: v for k, v in comparison.items() if k in PARAMETER_COLUMNS})
        selected, selection_reason = select_model(comparison)
        if not usable[selected] and usable[_other(selected)]:
            selection_reason += (
                f"; {MODEL_LABELS[selected]} did not fit on all data, {MODEL_LABELS[_other(selected)]} used"
            )
            selected = _other(selected)
    else:
        selected, selection_reason = clv_model, f"var clv_model = {clv_model}"
    row.update(clv_model=selected, selection_reason=selection_reason)

    problems = []
    if selected == MODEL_BGNBD and not bg.converged:
        problems.append(f"BG/NBD did not converge ({bg.message})")
    if selected == MODEL_PARETO_NBD and not usable[MODEL_PARETO_NBD]:
        problems.append(f"Pareto/NBD did not converge ({pnbd.message if pnbd else 'no finite likelihood'})")
    if not gg.converged:
        problems.append(f"Gamma-Gamma did not converge ({gg.message})")
    if gg.converged and gg.q <= 1.0:
        problems.append(f"Gamma-Gamma q = {gg.q:.4g} <= 1 (no finite mean spend)")
    if selected == MODEL_BGNBD and abs(bg.a - 1.0) < 1e-9:
        problems.append("BG/NBD a = 1 (expected purchases undefined)")
    notes = [
        f"{MODEL_LABELS[name]} not used: it did not converge"
        for name in MODELS
        if name != selected and not usable[name]
    ]
    for name in MODELS:
        if name != selected and not usable[name]:
            row.update(dict.fromkeys(MODEL_PARAMETERS[name], None))
    if problems:
        row.update(
            status=STATUS_FAILED,
            converged=False,
            message="; ".join(problems + notes) + "; historical run-rate fallback",
        )
        for name in ("r", "alpha", "a", "b", "p", "q", "v", "pnbd_r", "pnbd_alpha", "pnbd_s", "pnbd_beta"):
            if row[name] is not None and not np.isfinite(float(row[name])):
                row[name] = None
        return _frame(row)
    row.update(
        status=STATUS_FITTED,
        converged=True,
        message="; ".join(
            [
                f"fitted on {row['n_customers']} customers, {row['n_repeaters']} repeaters "
                f"({row['n_monetary_repeaters']} with positive repeat spend); scored with {MODEL_LABELS[selected]}",
                *notes,
            ]
        ),
    )
    return _frame(row)


def _sorted(summary: pd.DataFrame) -> pd.DataFrame:
    """A canonical row order: the likelihood sums then add the same doubles in the same order
    whichever engine (and row order) the summary came from, so parameters agree to the bit."""
    return summary.sort_values(FIT_INPUT_COLUMNS, kind="mergesort", ignore_index=True)


def fit_purchase_models(summary: pd.DataFrame) -> tuple[BgNbdFit, ParetoNbdFit | None]:
    """BG/NBD and Pareto/NBD on the same summary (Pareto/NBD None when its likelihood is not
    finite anywhere it was evaluated)."""
    ordered = _sorted(summary)
    x, t_x, t = (ordered[c].to_numpy(float) for c in ("frequency", "recency", "t"))
    bg = fit_bgnbd(x, t_x, t)
    try:
        pnbd = fit_pareto_nbd(x, t_x, t)
    except (FloatingPointError, ValueError, np.linalg.LinAlgError):
        pnbd = None
    return bg, pnbd


def _other(model: str) -> str:
    return MODEL_PARETO_NBD if model == MODEL_BGNBD else MODEL_BGNBD


def predict_holdout(model: str, fit: BgNbdFit | ParetoNbdFit, horizon: float, x, t_x, t) -> np.ndarray:
    """Expected repeat transactions in (T, T + horizon] under the fitted model."""
    if model == MODEL_BGNBD:
        return expected_purchases((fit.r, fit.alpha, fit.a, fit.b), horizon, x, t_x, t)
    return pareto_nbd_expected_purchases((fit.r, fit.alpha, fit.s, fit.beta), horizon, x, t_x, t)


def holdout_comparison(
    transactions: pd.DataFrame | None,
    as_of_date: str | date,
    time_unit_days: float,
    holdout_share: float,
    rules: MinimumData | None = None,
) -> dict[str, object]:
    """Both purchase models fitted on the calibration part of the observation period (first
    transaction day to the as-of date) and judged on its last `holdout_share`: for each model
    the predicted repeat transactions of the calibration customers in the holdout, in total
    and as the mean absolute error per customer against the actual ones. Keys: the holdout_*
    columns of clv_parameters, and `problem` (why no comparison was possible) or None."""
    result: dict[str, object] = {"problem": None}
    if transactions is None or transactions.empty:
        return {**result, "problem": "no transactions to split"}
    if not 0 < holdout_share < 1:
        return {**result, "problem": f"clv_holdout_share {holdout_share} is not between 0 and 1"}
    as_of = pd.Timestamp(str(as_of_date)[:10])
    dates = pd.to_datetime(transactions["transaction_date"])
    observed_days = (as_of - dates.min()).days
    holdout_days = int(round(holdout_share * observed_days))
    if holdout_days < 1 or observed_days - holdout_days < 1:
        return {**result, "problem": f"an observation period of {observed_days} days is too short to split"}
    split = as_of - pd.Timedelta(days=holdout_days)
    result["holdout_split_date"] = split.date()
    calibration = summarise_transactions(transactions, split, time_unit_days)
    base = rules or MinimumData()
    reason = check_minimum_data(calibration, MinimumData(base.min_customers, base.min_repeat_customers, 0))
    result["holdout_customers"] = len(calibration)
    if reason is not None:
        return {**result, "problem": f"calibration part (to {split.date()}): {reason}"}
    calibration = _sorted(calibration.sort_values("contact_id", kind="mergesort"))
    holdout = transactions[(dates > split) & (dates <= as_of)]
    actual = (
        calibration[["contact_id"]]
        .merge(holdout.groupby("contact_id").size().rename("n").reset_index(), on="contact_id", how="left")["n"]
        .fillna(0)
        .to_numpy(float)
    )
    result["holdout_actual_purchases"] = float(actual.sum())
    horizon = holdout_days / float(time_unit_days)
    x, t_x, t = (calibration[c].to_numpy(float) for c in ("frequency", "recency", "t"))
    fits = dict(zip(MODELS, fit_purchase_models(calibration), strict=True))
    for name, fit in fits.items():
        if fit is None or not fit.converged:
            continue
        predicted = predict_holdout(name, fit, horizon, x, t_x, t)
        if np.all(np.isfinite(predicted)):
            result[f"holdout_{name}_purchases"] = float(predicted.sum())
            result[f"holdout_{name}_mae"] = float(np.abs(predicted - actual).mean())
    return result


def select_model(comparison: dict[str, object]) -> tuple[str, str]:
    """(model, reason) for clv_model auto: the smaller holdout mean absolute error per customer
    (BG/NBD on a tie); BG/NBD when no comparison was possible."""
    if comparison.get("problem"):
        return MODEL_BGNBD, f"auto: holdout comparison not possible ({comparison['problem']}); BG/NBD by default"
    errors = {name: comparison.get(f"holdout_{name}_mae") for name in MODELS}
    judged = {name: float(e) for name, e in errors.items() if e is not None and np.isfinite(float(e))}
    if not judged:
        return MODEL_BGNBD, "auto: neither model fitted the calibration part; BG/NBD by default"
    selected = min(MODELS, key=lambda name: judged.get(name, np.inf))
    actual = float(comparison["holdout_actual_purchases"])

    def describe(name: str) -> str:
        if name not in judged:
            return f"{MODEL_LABELS[name]} did not fit the calibration part"
        total = float(comparison[f"holdout_{name}_purchases"])
        return f"{MODEL_LABELS[name]} MAE {judged[name]:.4f}, total {total:.1f}"

    reason = (
        f"auto: {MODEL_LABELS[selected]} has the smaller holdout error per customer "
        f"({describe(selected)}; {describe(_other(selected))}; actual {actual:.0f} repeat transactions "
        f"of {comparison['holdout_customers']} customers after {comparison['holdout_split_date']})"
    )
    return selected, reason


def _frame(row: dict[str, object]) -> pd.DataFrame:
    frame = pd.DataFrame([row], columns=PARAMETER_COLUMNS)
    for name in FLOAT_COLUMNS:
        frame[name] = frame[name].astype("float64")
    for name in ("n_customers", "n_repeaters", "n_monetary_repeaters"):
        frame[name] = frame[name].astype("int64")
    frame["converged"] = frame["converged"].astype(bool)
    frame["time_unit_days"] = frame["time_unit_days"].astype("float64")
    for name in (
        "fit_id",
        "status",
        "message",
        "clv_model",
        "clv_model_setting",
        "selection_reason",
        "holdout_split_date",
        "holdout_customers",
    ):
        frame[name] = frame[name].astype(object)
    return frame


FLOAT_COLUMNS = (
    "r",
    "alpha",
    "a",
    "b",
    "p",
    "q",
    "v",
    "bgnbd_log_likelihood",
    "gamma_gamma_log_likelihood",
    "pnbd_r",
    "pnbd_alpha",
    "pnbd_s",
    "pnbd_beta",
    "pareto_nbd_log_likelihood",
    "holdout_actual_purchases",
    "holdout_bgnbd_purchases",
    "holdout_pareto_nbd_purchases",
    "holdout_bgnbd_mae",
    "holdout_pareto_nbd_mae",
)


# --------------------------------------------------------------------------- calibration / holdout


def summarise_transactions(transactions: pd.DataFrame, as_of_date: str | date, time_unit_days: float) -> pd.DataFrame:
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
    out = pd.DataFrame(
        {
            "frequency": grouped.count() - 1,
            "recency": (grouped.max() - grouped.min()).dt.days / time_unit_days,
            "t": (as_of - grouped.min()).dt.days / time_unit_days,
        }
    )
    out["monetary_value"] = positive.groupby("contact_id")["transaction_value"].mean()
    out["monetary_frequency"] = positive.groupby("contact_id")["transaction_value"].count()
    out["monetary_frequency"] = out["monetary_frequency"].fillna(0)
    return out.reset_index()[columns]


def transactions_from_orders(orders: pd.DataFrame) -> pd.DataFrame:
    """Transaction days (the int_orders__clv_transactions rules, without its as-of cutoff) from
    int_orders__net_revenue, which keeps every staged order: orders of a contact that are neither
    refunded nor cancelled, whatever their amount, merged per contact and day (value = the sum
    of their net revenue). Lets `clv calibrate` see orders after the warehouse's as-of date."""
    kept = orders[
        orders["contact_id"].notna() & ~orders["is_refunded"].astype(bool) & ~orders["is_cancelled"].astype(bool)
    ]
    kept = kept.assign(
        transaction_date=pd.to_datetime(kept["order_date"]),
        transaction_value=pd.to_numeric(kept["net_revenue_reporting"]).astype(float),
    )
    days = kept.groupby(["contact_id", "transaction_date"], as_index=False)["transaction_value"].sum()
    return days.sort_values(["contact_id", "transaction_date"]).reset_index(drop=True)


def bgnbd_unconditional_purchases(params: tuple[float, float, float, float], t) -> np.ndarray:
    """E[X(t)]: expected repeat transactions of a new customer in (0, t] under BG/NBD,
    (a+b-1)/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1; t/(alpha+t))] (Fader, Hardie & Lee
    2005, eq. 7), 0 for t <= 0."""
    r, alpha, a, b = params
    t = np.maximum(np.asarray(t, float), 0.0)
    z = t / (alpha + t)
    value = (a + b - 1.0) / (a - 1.0) * (1.0 - (alpha / (alpha + t)) ** r * special.hyp2f1(r, b, a + b - 1.0, z))
    return np.where(t > 0, value, 0.0)


def weekly_tracking(
    transactions: pd.DataFrame,
    parameters: pd.DataFrame,
    split_date: str | date,
    end_date: str | date,
    time_unit_days: float,
) -> pd.DataFrame:
    """The cohort's weekly repeat transactions, actual and predicted (the tracking plot of Fader,
    Hardie & Lee 2005): the cohort is every customer whose first transaction is on or before
    split_date; week 1 starts on the cohort's first transaction day. predicted = sum over the
    cohort of E[X(end of week - first day)] - E[X(start of week - first day)] under the fitted
    BG/NBD (unconditional: the same curve in calibration and holdout weeks). Columns: week,
    week_start, week_end, period (calibration / holdout), actual, predicted, cumulative_actual,
    cumulative_predicted."""
    row = parameters.iloc[0]
    split, end = pd.Timestamp(split_date), pd.Timestamp(end_date)
    tx = transactions.assign(transaction_date=pd.to_datetime(transactions["transaction_date"]))
    first = tx.groupby("contact_id")["transaction_date"].min()
    cohort = first[first <= split]
    tx = tx[tx["contact_id"].isin(cohort.index) & (tx["transaction_date"] <= end)]
    repeat = tx[tx["transaction_date"] > tx["contact_id"].map(first)]
    start = cohort.min()
    weeks = int(np.ceil(((end - start).days + 1) / 7))
    births = cohort.value_counts()  # customers per first day
    params = (row["r"], row["alpha"], row["a"], row["b"])
    out = []
    for week in range(1, weeks + 1):
        week_start = start + pd.Timedelta(days=7 * (week - 1))
        week_end = min(week_start + pd.Timedelta(days=6), end)
        actual = int(((repeat["transaction_date"] >= week_start) & (repeat["transaction_date"] <= week_end)).sum())
        # repeat transactions happen after the first day: time since birth at each day's end
        upper = ((week_end - births.index).days.to_numpy(float)) / time_unit_days
        lower = ((week_start - births.index).days.to_numpy(float) - 1) / time_unit_days
        predicted = float(
            np.sum(
                births.to_numpy()
                * (bgnbd_unconditional_purchases(params, upper) - bgnbd_unconditional_purchases(params, lower))
            )
        )
        out.append(
            {
                "week": week,
                "week_start": week_start.date(),
                "week_end": week_end.date(),
                "period": "calibration" if week_end <= split else "holdout",
                "actual": actual,
                "predicted": predicted,
            }
        )
    frame = pd.DataFrame(out)
    frame["cumulative_actual"] = frame["actual"].cumsum()
    frame["cumulative_predicted"] = frame["predicted"].cumsum()
    return frame


def tracking_report(tracking: pd.DataFrame) -> str:
    lines = [
        "weekly repeat transactions of the cohort (BG/NBD, unconditional): week, start, period, "
        "actual, predicted, cumulative actual, cumulative predicted"
    ]
    for row in tracking.itertuples():
        lines.append(
            f"  {row.week:3d} {row.week_start} {row.period:<11} {row.actual:6d} {row.predicted:9.1f} "
            f"{row.cumulative_actual:8d} {row.cumulative_predicted:10.1f}"
        )
    return "\n".join(lines)


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
    if row["status"] == STATUS_FITTED and pd.notna(row["pnbd_r"]):
        params = (row["pnbd_r"], row["pnbd_alpha"], row["pnbd_s"], row["pnbd_beta"])
        per_customer["predicted_holdout_pareto_nbd"] = pareto_nbd_expected_purchases(
            params, horizon, per_customer["frequency"], per_customer["recency"], per_customer["t"]
        )
    else:
        per_customer["predicted_holdout_pareto_nbd"] = np.nan
    per_customer = per_customer.rename(columns={"frequency": "frequency_cal", "recency": "recency_cal", "t": "t_cal"})
    keep = [
        "frequency_cal",
        "recency_cal",
        "t_cal",
        "predicted_holdout",
        "predicted_holdout_pareto_nbd",
        "actual_holdout",
    ]
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
    if pd.notna(row["pnbd_r"]):
        lines.append(
            f"Pareto/NBD r={row['pnbd_r']:.4f} alpha={row['pnbd_alpha']:.4f} s={row['pnbd_s']:.4f} "
            f"beta={row['pnbd_beta']:.4f} LL={row['pareto_nbd_log_likelihood']:.2f}"
        )
    predicted = per_customer["predicted_holdout"].sum()
    actual = per_customer["actual_holdout"].sum()
    n = max(len(per_customer), 1)
    lines.append(f"customers: {len(per_customer)}")
    lines.append(f"holdout repeat transactions: predicted {predicted:.1f}, actual {actual:.0f}")
    lines.append(f"per customer: predicted {predicted / n:.4f}, actual {actual / n:.4f}")
    mae = (per_customer["predicted_holdout"] - per_customer["actual_holdout"]).abs().mean()
    lines.append(f"mean absolute error per customer: {mae:.4f}")
    if per_customer["predicted_holdout_pareto_nbd"].notna().all():
        pareto = per_customer["predicted_holdout_pareto_nbd"]
        pareto_mae = (pareto - per_customer["actual_holdout"]).abs().mean()
        lines.append(f"Pareto/NBD: predicted {pareto.sum():.1f}, mean absolute error per customer {pareto_mae:.4f}")
    groups = per_customer.assign(frequency_cal=per_customer["frequency_cal"].clip(upper=7)).groupby("frequency_cal")
    lines.append("calibration repeat transactions (7 = 7+): customers, mean predicted, mean actual")
    for freq, grp in groups:
        lines.append(
            f"  {int(freq)}: {len(grp)}, {grp['predicted_holdout'].mean():.3f}, {grp['actual_holdout'].mean():.3f}"
        )
    return "\n".join(lines)
