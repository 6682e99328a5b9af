"""The report's data: aggregate queries on the DuckDB warehouse.

Only BI-facing and audit tables are read (segments, marts, audit), plus the CLV transaction days
of the intermediate layer for the fit's tracking; every query aggregates, so no row about one
person leaves this module (ids of the transactions are used only to find first purchase days).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

FUNNEL_ORDER = ("top", "middle", "bottom")
CLV_BINS = 40


@dataclass
class ReportData:
    as_of_date: str
    sizes: pd.DataFrame  # as_of_date, segment_id, label, colour, entity_type, member_count
    catalog: pd.DataFrame  # segment_id, label, colour, category, entity_type, member/holdout/treated counts
    rfm: pd.DataFrame  # r_score, f_score, contacts, avg_monetary
    clv_histogram: pd.DataFrame  # bin_low, bin_high, contacts
    clv_status: pd.DataFrame  # clv_status, contacts
    p_alive: pd.DataFrame  # weeks_since_last, frequency_band, contacts, mean_p_alive
    overlap: pd.DataFrame  # segment_id_a, segment_id_b, entity_type, members_both, jaccard
    funnel: pd.DataFrame  # funnel_stage, contacts, min_lead_score, max_lead_score, mql, sql
    accounting: pd.DataFrame  # staging_row_accounting
    rejects: pd.DataFrame  # raw_table, reject_reason, rows
    fit: pd.Series | None  # clv_parameters row of the report's as-of date
    first_purchases: pd.DataFrame  # first_date, customers
    repeat_days: pd.DataFrame  # transaction_date, repeat_transactions
    transactions: pd.DataFrame  # contact_id, transaction_date, transaction_value (for the calibration refit)


def _df(con, sql: str, params: list | None = None) -> pd.DataFrame:
    return con.execute(sql, params or []).df()


def _tables(con, schema_suffix: str) -> list[tuple[str, str]]:
    rows = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_schema like ? and table_name like '%\\_rejected' escape '\\' order by table_name",
        [f"%{schema_suffix}"],
    ).fetchall()
    return [(schema, table) for schema, table in rows]


def _rejects(con) -> pd.DataFrame:
    parts = [
        f"select '{table.removesuffix('_rejected')}' as staging_model, reject_reason, count(*) as rows "
        f'from "{schema}"."{table}" group by reject_reason'
        for schema, table in _tables(con, "audit")
    ]
    if not parts:
        return pd.DataFrame(columns=["staging_model", "reject_reason", "rows"])
    return _df(con, " union all ".join(parts) + " order by staging_model, reject_reason")


def load(con) -> ReportData:
    """Every dataset of the report from a connection whose search path covers the layers
    (custseg.layers.connect_duckdb)."""
    as_of = con.execute("select cast(max(as_of_date) as varchar) from segment_catalog").fetchone()[0]
    if as_of is None:
        raise ValueError("segment_catalog is empty: build the project before writing the report")
    fit = _df(con, "select * from clv_parameters where as_of_date = cast(? as date)", [as_of])
    return ReportData(
        as_of_date=as_of,
        sizes=_df(con, """
            select cast(s.as_of_date as varchar) as as_of_date, s.segment_id, c.label, c.colour,
                   s.entity_type, s.member_count
            from segment_sizes_daily as s
            left join segment_catalog as c on s.segment_id = c.segment_id
            order by s.as_of_date, s.segment_id"""),
        catalog=_df(con, """
            select segment_id, label, colour, category, entity_type, member_count, holdout_count,
                   treated_count, holdout_pct
            from segment_catalog order by category, segment_id"""),
        rfm=_df(con, """
            select r_score, f_score, count(*) as contacts, avg(monetary) as avg_monetary
            from contact_behavior where r_score is not null and f_score is not null
            group by r_score, f_score order by r_score, f_score"""),
        clv_histogram=_df(con, f"""
            with scored as (
                select predicted_clv from contact_clv where clv_status = 'fitted' and predicted_clv is not null
            ), bounds as (
                select greatest(quantile_cont(predicted_clv, 0.99), 1e-9) / {CLV_BINS} as width from scored
            )
            select least(floor(predicted_clv / width), {CLV_BINS - 1}) * width as bin_low,
                   (least(floor(predicted_clv / width), {CLV_BINS - 1}) + 1) * width as bin_high,
                   count(*) as contacts
            from scored, bounds group by all order by bin_low"""),
        clv_status=_df(con, "select clv_status, count(*) as contacts from contact_clv group by 1 order by 1"),
        p_alive=_df(con, """
            select cast(round(clv_t - clv_recency) as integer) as weeks_since_last,
                   case when clv_frequency >= 3 then '3+ repeat purchases'
                        else cast(cast(clv_frequency as integer) as varchar) || ' repeat purchases' end
                       as frequency_band,
                   count(*) as contacts, avg(p_alive) as mean_p_alive
            from contact_clv where clv_status = 'fitted' and p_alive is not null
            group by all order by frequency_band, weeks_since_last"""),
        overlap=_df(con, """
            select segment_id_a, segment_id_b, entity_type, members_both, jaccard
            from segment_overlap order by segment_id_a, segment_id_b"""),
        funnel=_df(con, """
            select funnel_stage, count(*) as contacts, min(lead_score) as min_lead_score,
                   max(lead_score) as max_lead_score,
                   sum(case when is_mql then 1 else 0 end) as mql, sum(case when is_sql then 1 else 0 end) as sql
            from contact_engagement group by funnel_stage"""),
        accounting=_df(con, "select * from staging_row_accounting order by raw_table"),
        rejects=_rejects(con),
        fit=fit.iloc[0] if len(fit) else None,
        first_purchases=_df(con, """
            select first_date, count(*) as customers from (
                select contact_id, min(transaction_date) as first_date
                from int_orders__clv_transactions group by contact_id
            ) group by first_date order by first_date"""),
        repeat_days=_df(con, """
            select transaction_date, count(*) as repeat_transactions
            from int_orders__clv_transactions where transaction_number > 1
            group by transaction_date order by transaction_date"""),
        transactions=_df(con, """
            select contact_id, transaction_date, cast(transaction_value as double) as transaction_value
            from int_orders__clv_transactions"""),
    )
