"""Tracking of the CLV fit: predicted against actual repeat purchases by week.

For a customer whose first purchase was on day d, both purchase models give the expected number
of repeat purchases in (d, d + h]: custseg.clv's conditional expectations evaluated for a new
customer (x = t_x = T = 0), which are the models' unconditional E[X(h)]. Summed over the
customers by first purchase day, weekly from the first transaction to the as-of date, they are
compared with the repeat transactions that happened.

Three predicted lines, each labelled with what it is:
- the purchase model that scores contact_clv (clv_parameters.clv_model), with the parameters of
  clv_parameters: fitted on every transaction to the as-of date, so the whole span is in sample;
- the other purchase model, same fit, not scoring;
- the scoring model refitted here on the calibration period only (to clv_parameters'
  holdout_split_date), so the holdout weeks after the split are out of sample.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from custseg import clv, clv_io

# A refit that fails (too little data in the calibration period) leaves that line out, with a note.


@dataclass
class Tracking:
    weekly: pd.DataFrame  # week_end, actual, and one column per predicted line (label -> values)
    scoring_model: str
    split_date: str | None
    lines: dict[str, str] = field(default_factory=dict)  # column -> description
    notes: list[str] = field(default_factory=list)


def new_customer_purchases(model: str, params: tuple[float, float, float, float], horizon: np.ndarray) -> np.ndarray:
    """Expected repeat purchases in (0, horizon] of a customer who just made a first purchase."""
    horizon = np.asarray(horizon, float)
    zeros = np.zeros_like(horizon)
    if model == clv.MODEL_BGNBD:
        return clv.expected_purchases(params, horizon, zeros, zeros, zeros)
    return clv.pareto_nbd_expected_purchases(params, horizon, zeros, zeros, zeros)


def _params(model: str, row) -> tuple[float, float, float, float] | None:
    names = clv.MODEL_PARAMETERS[model][:4]
    values = tuple(float(row[name]) for name in names)
    return values if all(np.isfinite(values)) else None


def cumulative_expected(model: str, params, first_purchases: pd.DataFrame, week_ends: pd.DatetimeIndex,
                        unit_days: float) -> np.ndarray:
    first = pd.to_datetime(first_purchases["first_date"]).to_numpy()
    counts = first_purchases["customers"].to_numpy(float)
    totals = []
    for end in week_ends:
        elapsed = (np.datetime64(end) - first).astype("timedelta64[D]").astype(float) / unit_days
        born = elapsed > 0
        totals.append(float((counts[born] * new_customer_purchases(model, params, elapsed[born])).sum()))
    return np.asarray(totals)


def _refit(model: str, transactions: pd.DataFrame, split: str, unit_days: float):
    calibration = clv.summarise_transactions(transactions, split, unit_days)
    row = clv.fit_parameters(calibration, split, unit_days, clv_io.minimum_data_from_vars(), clv_model=model).iloc[0]
    if row["status"] != clv.STATUS_FITTED:
        return None, f"refit on the calibration period: {row['status']} ({row['message']})"
    return _params(model, row), None


def compute(data) -> Tracking | None:
    """The tracking series from ReportData, or None without a fitted clv_parameters row."""
    fit = data.fit
    if fit is None or fit["status"] != clv.STATUS_FITTED or data.first_purchases.empty:
        return None
    unit = float(fit["time_unit_days"])
    scoring = str(fit["clv_model"])
    start = pd.Timestamp(data.first_purchases["first_date"].min())
    as_of = pd.Timestamp(data.as_of_date)
    week_ends = pd.date_range(start + pd.Timedelta(days=unit), as_of, freq=pd.Timedelta(days=unit))
    repeat = data.repeat_days.assign(transaction_date=pd.to_datetime(data.repeat_days["transaction_date"]))
    actual_cum = np.array([repeat.loc[repeat["transaction_date"] <= end, "repeat_transactions"].sum()
                           for end in week_ends], float)
    split = fit["holdout_split_date"]
    split = None if pd.isna(split) else str(pd.Timestamp(split).date())
    tracking = Tracking(weekly=pd.DataFrame({"week_end": week_ends, "actual": actual_cum}),
                        scoring_model=scoring, split_date=split)
    for model in clv.MODELS:
        params = _params(model, fit)
        if params is None:
            tracking.notes.append(f"{clv.MODEL_LABELS[model]}: no parameters in clv_parameters")
            continue
        column = f"{model}_full"
        tracking.weekly[column] = cumulative_expected(model, params, data.first_purchases, week_ends, unit)
        role = "scores contact_clv" if model == scoring else "not scoring"
        tracking.lines[column] = (f"{clv.MODEL_LABELS[model]} ({role}), clv_parameters fit on all transactions "
                                  f"to {data.as_of_date}: in sample")
    if split is not None:
        params, problem = _refit(scoring, data.transactions, split, unit)
        if params is None:
            tracking.notes.append(problem)
        else:
            column = f"{scoring}_calibration"
            tracking.weekly[column] = cumulative_expected(scoring, params, data.first_purchases, week_ends, unit)
            tracking.lines[column] = (f"{clv.MODEL_LABELS[scoring]} refitted on transactions to {split}: "
                                      "out of sample after the split")
    return tracking
