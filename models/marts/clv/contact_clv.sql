{#- Historical and predictive CLV per canonical contact, as of var('as_of_date'), scored in
    SQL from the clv_parameters row of this as-of date and time unit (see docs/clv.md), with
    its purchase model clv_model. BG/NBD:
      p_alive            1 / (1 + [x>0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x))
      expected purchases E(t) = (a+b+x-1)/(a-1) [1 - (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z)]
                         * p_alive, z = t/(alpha+T+t) (Euler's transformation of the BG/NBD
                         formula); 2F1 by its power series, computed once per distinct
                         (x, T, month), stopping when the geometric tail bound
                         z^K/(1-z) < var('clv_hyp2f1_tolerance') (at most clv_hyp2f1_max_terms)
    Pareto/NBD (macro clv_pareto_nbd_p_alive_ctes and the closed form in clv_purchase_curve_ctes):
      p_alive            1 / (1 + s/(r+s+x) [((alpha+T)/(alpha+t_x))^(r+x) ((beta+T)/(beta+t_x))^s
                         G(t_x) - G(T)]), G an Euler-transformed 2F1 by the same series
      expected purchases E(t) = (r+x)(beta+T)/((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)] * p_alive
    Both:
      spend              Gamma-Gamma (p (v + x_m mbar)) / (p x_m + q - 1); p v/(q-1) without
                         positive repeat transactions
      predicted_clv      clv_margin * spend * sum over the monthly steps m of var clv_horizon
                         (e.g. '12 months', '39 weeks'; the last step ends at the horizon,
                         m_last its length in months) of
                         (E(m) - E(m-1)) / (1 + clv_monthly_discount_rate)^m
    Fallback (fit status not 'fitted', or no parameters row): clv_status = that status
    (insufficient_data, fit_failed, not_fitted), p_alive / expected_purchases /
    expected_avg_order_value null, predicted_clv = clv_margin * monthly run rate
    (historical net revenue / months since the first transaction, at least 1) * annuity factor.
    Contacts without a transaction: clv_status no_transactions, predicted_clv 0, tier none. -#}
{%- set time_unit_days = var('clv_time_unit_days') -%}
{%- set days_per_month = 365.25 / 12 -%}

with identities as (

    select * from {{ ref('int_contacts__identity') }}

),

summary as (

    select * from {{ ref('int_contacts__clv_summary') }}

),

parameter_history as (

    select * from {{ ref('clv_parameters') }}

),

{{ clv_current_fit_ctes(time_unit_days) }},

{{ clv_purchase_curve_ctes() }},

{{ clv_pareto_nbd_p_alive_ctes() }},

canonical_contacts as (

    select contact_id
    from identities
    where is_canonical

),

customers as (

    select
        canonical_contacts.contact_id,
        summary.first_transaction_date,
        summary.frequency,
        summary.recency,
        summary.t,
        summary.monetary_value,
        summary.monetary_frequency,
        coalesce(summary.historical_net_revenue, 0) as historical_net_revenue,
        coalesce(summary.historical_orders, 0) as historical_orders,
        summary.contact_id is not null as has_transactions
    from canonical_contacts
    left join summary
        on canonical_contacts.contact_id = summary.contact_id

),

scored as (

    select
        customers.*,
        current_fit.fit_status,
        fitted.clv_model,
        pnbd_p_alive.p_alive as pnbd_p_alive,
        case
            when fitted.clv_model = 'bgnbd' and customers.frequency > 0
                then
                    ln(fitted.a) - ln(fitted.b + customers.frequency - 1)
                    + (fitted.r + customers.frequency)
                    * (ln(fitted.alpha + customers.t) - ln(fitted.alpha + customers.recency))
        end as log_dropout_odds,
        pair_purchases.horizon_purchases,
        pair_purchases.discounted_purchases,
        case
            when fitted.fit_status is null then null
            when customers.monetary_frequency > 0
                then
                    fitted.p
                    * (fitted.v + customers.monetary_frequency * customers.monetary_value)
                    / nullif(fitted.p * customers.monetary_frequency + fitted.q - 1, 0)
            else fitted.p * fitted.v / nullif(fitted.q - 1, 0)
        end as expected_spend,
        cast(
            {{ dbt.datediff('customers.first_transaction_date', as_of_date(), 'day') }}
            as {{ type_double() }}
        ) as days_since_first
    from customers
    cross join current_fit
    left join fitted
        on current_fit.fit_status = fitted.fit_status
    left join pair_purchases
        on
            customers.frequency = pair_purchases.frequency
            and customers.t = pair_purchases.t
    left join pnbd_p_alive
        on
            customers.frequency = pnbd_p_alive.frequency
            and customers.recency = pnbd_p_alive.recency
            and customers.t = pnbd_p_alive.t

),

predicted as (

    select
        scored.*,
        case
            when not scored.has_transactions then 'no_transactions'
            when scored.fit_status = 'fitted' then 'fitted'
            else coalesce(scored.fit_status, 'not_fitted')
        end as clv_status,
        case
            when scored.clv_model = 'pareto_nbd' then scored.pnbd_p_alive
            when scored.log_dropout_odds is null then 1
            when scored.log_dropout_odds > 700 then 0
            else 1 / (1 + exp(scored.log_dropout_odds))
        end as p_alive_if_fitted,
        scored.historical_net_revenue
        / greatest(1, scored.days_since_first / {{ days_per_month }}) as monthly_run_rate
    from scored

),

valued as (

    {#- Rounded outputs: probabilities and purchase counts to 6 decimals, money to cents. -#}
    select
        predicted.contact_id,
        predicted.has_transactions,
        predicted.historical_net_revenue,
        predicted.historical_orders,
        predicted.days_since_first,
        predicted.frequency,
        predicted.recency,
        predicted.t,
        predicted.clv_status,
        case
            when predicted.clv_status = 'fitted'
                then {{ clv_round('predicted.p_alive_if_fitted', 6) }}
        end as p_alive,
        case
            when predicted.clv_status = 'fitted'
                then {{ clv_round('predicted.p_alive_if_fitted * predicted.horizon_purchases', 6) }}
        end as expected_purchases,
        case
            when predicted.clv_status = 'fitted'
                then {{ clv_round('predicted.expected_spend', 2) }}
        end as expected_avg_order_value,
        case
            when predicted.clv_status = 'no_transactions' then 0
            when predicted.clv_status = 'fitted'
                then {{ clv_round(
                    var('clv_margin') ~ ' * predicted.expected_spend'
                    ~ ' * predicted.p_alive_if_fitted * predicted.discounted_purchases', 2
                ) }}
            else {{ clv_round(
                var('clv_margin') ~ ' * greatest(predicted.monthly_run_rate, 0) * '
                ~ clv_annuity_factor(), 2
            ) }}
        end as predicted_clv
    from predicted

),

ranked as (

    select
        valued.*,
        case
            when valued.has_transactions
                then percent_rank() over (
                    partition by valued.has_transactions
                    order by valued.predicted_clv
                )
        end as clv_percentile
    from valued

),

final as (

    select
        -- ids
        contact_id,

        -- historical (reporting currency)
        cast(historical_net_revenue as {{ type_double() }}) as historical_net_revenue,
        cast(historical_orders as {{ dbt.type_bigint() }}) as historical_orders,
        cast(historical_net_revenue as {{ type_double() }})
        / nullif(historical_orders, 0) as historical_aov,
        cast(days_since_first as {{ dbt.type_int() }}) as customer_tenure_days,

        -- model inputs (time units of var clv_time_unit_days)
        cast(frequency as {{ dbt.type_bigint() }}) as clv_frequency,
        recency as clv_recency,
        t as clv_t,

        -- predictive
        cast(p_alive as {{ type_double() }}) as p_alive,
        cast(expected_purchases as {{ type_double() }}) as expected_purchases,
        cast(expected_avg_order_value as {{ type_double() }}) as expected_avg_order_value,
        cast(predicted_clv as {{ type_double() }}) as predicted_clv,
        cast(clv_percentile as {{ type_double() }}) as clv_percentile,
        case
            when not has_transactions then 'none'
            when clv_percentile >= {{ var('clv_tier_top_percentile') }} then 'top'
            when clv_percentile >= {{ var('clv_tier_high_percentile') }} then 'high'
            when clv_percentile >= {{ var('clv_tier_medium_percentile') }} then 'medium'
            else 'low'
        end as clv_tier,
        clv_status

    from ranked

)

select * from final
