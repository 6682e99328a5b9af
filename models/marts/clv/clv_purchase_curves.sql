{#- Expected purchases of a customer who is alive, per distinct (frequency, t) of
    int_contacts__clv_summary, under the clv_parameters fit of the as-of date and its purchase
    model (no rows when there is no usable fit). contact_clv multiplies by P(alive).
    Pareto/NBD: a closed form (macros/clv.sql), horizon_z and horizon_term_count null.
    BG/NBD: for month m = 1..horizon (monthly steps of var clv_horizon, the last one ending at
    the horizon), t_m = m * 365.25/12 days (the horizon for the last step) in time units, z = t_m / (alpha + T + t_m) and
      E(t_m) / P(alive) = (a+b+x-1)/(a-1) [1 - (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z)]
    (Euler's transformation of the BG/NBD formula: the upper parameters stay small for any x).
    2F1 is its power series: term k = c_k z^k, c_k / c_(k-1) = (A+k-1)(B+k-1) / ((C+k-1) k),
    ln|c_k| a cumulative sum of logs once per distinct x (signs and exact zeros tracked apart),
    each row summing exp(ln|c_k| + k ln z) over
    K = min(clv_hyp2f1_max_terms, ceil(ln(tol (1-z)) / ln z)) terms, tol = clv_hyp2f1_tolerance:
    once the term ratio is below z the omitted tail is below tol * |largest term| (docs/clv.md). -#}
{%- set time_unit_days = var('clv_time_unit_days') -%}
{%- set horizon_months = clv_horizon()['steps'] -%}
{{ config(enabled=var('clv_publish_purchase_curves', false)) }}

with summary as (

    select * from {{ ref('int_contacts__clv_summary') }}

),

parameter_history as (

    select * from {{ ref('clv_parameters') }}

),

pairs as (

    select distinct
        frequency,
        t
    from summary

),

{{ clv_current_fit_ctes(time_unit_days) }},

{{ clv_purchase_curve_ctes() }},

final as (

    select
        pair_purchases.frequency,
        pair_purchases.t,
        cast(pair_purchases.horizon_purchases as {{ type_double() }}) as horizon_purchases,
        cast(pair_purchases.discounted_purchases as {{ type_double() }})
            as discounted_purchases,
        horizon_sizes.z as horizon_z,
        horizon_sizes.term_count as horizon_term_count
    from pair_purchases
    left join series_sizes as horizon_sizes
        on
            pair_purchases.frequency = horizon_sizes.frequency
            and pair_purchases.t = horizon_sizes.t
            and horizon_sizes.month_number = {{ horizon_months }}

)

select * from final
