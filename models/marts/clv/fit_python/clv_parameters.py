"""BG/NBD + Gamma-Gamma maximum-likelihood fit on engines with dbt Python models (DuckDB).

One row per fit: parameters, sample sizes, log-likelihoods, convergence flag and status.
Incremental (delete+insert on fit_id = as-of date / time unit): each as-of date adds a row,
a re-fit of the same as-of date replaces its row, `--full-refresh` keeps only the current one. The fit itself is custseg.clv.fit_parameters, the same code
`python -m custseg clv fit` runs on engines without Python models.
"""

from datetime import datetime, timezone


def _as_of(summary, configured):
    if len(summary):
        return str(summary["as_of_date"].iloc[0])[:10]
    configured = str(configured or "").strip()
    if configured and configured.lower() != "none":
        return configured
    return datetime.now(timezone.utc).strftime("%Y-%m-%d")


def model(dbt, session):
    dbt.config(
        materialized="incremental",
        unique_key="fit_id",
        incremental_strategy="delete+insert",
        on_schema_change="append_new_columns",
    )
    from custseg.clv import MinimumData, fit_parameters

    summary = dbt.ref("int_contacts__clv_summary").df()
    clv_model = str(dbt.config.get("clv_model"))
    # The holdout comparison of clv_model auto needs the transaction days.
    transactions = dbt.ref("int_orders__clv_transactions").df() if clv_model == "auto" else None
    rules = MinimumData(
        min_customers=int(dbt.config.get("clv_min_customers")),
        min_repeat_customers=int(dbt.config.get("clv_min_repeat_customers")),
        min_monetary_repeaters=int(dbt.config.get("clv_min_monetary_repeaters")),
    )
    parameters = fit_parameters(
        summary,
        as_of_date=_as_of(summary, dbt.config.get("clv_as_of_date")),
        time_unit_days=float(dbt.config.get("clv_time_unit_days")),
        rules=rules,
        clv_model=clv_model,
        transactions=transactions,
        holdout_share=float(dbt.config.get("clv_holdout_share")),
    )
    return session.from_df(parameters).project(
        "* replace (cast(as_of_date as date) as as_of_date, cast(fitted_at as timestamp) as fitted_at,"
        " cast(clv_model as varchar) as clv_model, cast(selection_reason as varchar) as selection_reason,"
        " cast(holdout_split_date as date) as holdout_split_date,"
        " cast(holdout_customers as bigint) as holdout_customers)"
    )
