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

summary_for_pareto_nbd as (

    {#- The scoring with Pareto/NBD reads the summary again (and the series' inputs read
        their columns again) rather than the CTE above: a CTE read more than once would be
        materialized whole, and the select of the model that does not score has no rows. -#}
    select * from {{ ref('int_contacts__clv_summary') }}

),

summary_pairs as (

    select distinct
        frequency,
        t
    from {{ ref('int_contacts__clv_summary') }}

),

summary_triples as (

    select
        frequency,
        recency,
        t
    from {{ ref('int_contacts__clv_summary') }}

),

parameter_history as (

    select * from {{ ref('clv_parameters') }}

),

{{ clv_current_fit_ctes(time_unit_days) }},

pairs as (

    select * from summary_pairs

),

triples as (

    {#- Pareto/NBD's P(alive) needs recency too; no rows unless it scores. -#}
    select distinct
        summary_triples.frequency,
        summary_triples.recency,
        summary_triples.t
    from summary_triples
    cross join fitted
    where fitted.clv_model = 'pareto_nbd'

),

{{ clv_purchase_curve_ctes() }},

{{ clv_pareto_nbd_p_alive_ctes() }},

canonical_contacts as (

    select contact_id
    from identities
    where is_canonical

),

summary_p_alive as (

    {#- P(alive) per contact with transactions under the scoring model: BG/NBD in closed form,
        Pareto/NBD from its series per distinct (frequency, recency, t). Only the scoring
        model's select has rows. -#}
    select
        summary.*,
        case
            when current_fit.fit_status <> 'fitted' or summary.frequency = 0 then 1
            else
                {{ clv_logistic(
                    'ln(current_fit.a) - ln(current_fit.b + summary.frequency - 1)'
                    ~ ' + (current_fit.r + summary.frequency)'
                    ~ ' * (ln(current_fit.alpha + summary.t) - ln(current_fit.alpha + summary.recency))'
                ) }}
        end as p_alive_if_fitted
    from summary
    cross join current_fit
    where current_fit.clv_model <> 'pareto_nbd'
    union all
    select
        summary_for_pareto_nbd.*,
        pnbd_p_alive.p_alive as p_alive_if_fitted
    from summary_for_pareto_nbd
    cross join current_fit
    left join pnbd_p_alive
        on
            summary_for_pareto_nbd.frequency = pnbd_p_alive.frequency
            and summary_for_pareto_nbd.recency = pnbd_p_alive.recency
            and summary_for_pareto_nbd.t = pnbd_p_alive.t
    where current_fit.clv_model = 'pareto_nbd'

),

scored_summary as (

    select
        summary_p_alive.contact_id,
        summary_p_alive.first_transaction_date,
        summary_p_alive.frequency,
        summary_p_alive.recency,
        summary_p_alive.t,
        summary_p_alive.historical_net_revenue,
        summary_p_alive.historical_orders,
        summary_p_alive.p_alive_if_fitted,
        current_fit.fit_status,
        pair_purchases.horizon_purchases,
        pair_purchases.discounted_purchases,
        case
            when current_fit.fit_status = 'fitted' and summary_p_alive.monetary_frequency > 0
                then
                    current_fit.p
                    * (
                        current_fit.v
                        + summary_p_alive.monetary_frequency * summary_p_alive.monetary_value
                    )
                    / nullif(
                        current_fit.p * summary_p_alive.monetary_frequency + current_fit.q - 1, 0
                    )
            when current_fit.fit_status = 'fitted'
                then current_fit.p * current_fit.v / nullif(current_fit.q - 1, 0)
        end as expected_spend,
        cast(
            {{ dbt.datediff('summary_p_alive.first_transaction_date', as_of_date(), 'day') }}
            as {{ type_double() }}
        ) as days_since_first
    from summary_p_alive
    cross join current_fit
    left join pair_purchases
        on
            summary_p_alive.frequency = pair_purchases.frequency
            and summary_p_alive.t = pair_purchases.t

),

scored as (

    select
        canonical_contacts.contact_id,
        scored_summary.first_transaction_date,
        scored_summary.frequency,
        scored_summary.recency,
        scored_summary.t,
        scored_summary.fit_status,
        scored_summary.p_alive_if_fitted,
        scored_summary.horizon_purchases,
        scored_summary.discounted_purchases,
        scored_summary.expected_spend,
        scored_summary.days_since_first,
        coalesce(scored_summary.historical_net_revenue, 0) as historical_net_revenue,
        coalesce(scored_summary.historical_orders, 0) as historical_orders,
        scored_summary.contact_id is not null as has_transactions
    from canonical_contacts
    left join scored_summary
        on canonical_contacts.contact_id = scored_summary.contact_id

),

predicted as (

    select
        scored.*,
        case
            when not scored.has_transactions then 'no_transactions'
            when scored.fit_status = 'fitted' then 'fitted'
            else coalesce(scored.fit_status, 'not_fitted')
        end as clv_status,
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

clv_values as (

    {#- percent_rank of predicted_clv among contacts with transactions, once per distinct
        value: (contacts with a smaller value) / (contacts - 1), 0 for a single contact. The
        window orders the values as percent_rank() over the contacts would (nulls included). -#}
    select
        predicted_clv,
        count(*) as contacts
    from valued
    where has_transactions
    group by predicted_clv

),

clv_value_ranks as (

    select
        predicted_clv,
        sum(contacts) over (
            order by predicted_clv
            rows between unbounded preceding and current row
        ) - contacts as contacts_below,
        sum(contacts) over () as contacts_with_transactions
    from clv_values

),

ranked as (

    select
        valued.*,
        case
            when not valued.has_transactions then null
            when clv_value_ranks.contacts_with_transactions = 1 then 0
            else
                cast(clv_value_ranks.contacts_below as {{ type_double() }})
                / cast(clv_value_ranks.contacts_with_transactions - 1 as {{ type_double() }})
        end as clv_percentile
    from valued
    left join clv_value_ranks
        on
            coalesce(valued.predicted_clv, 0) = coalesce(clv_value_ranks.predicted_clv, 0)
            and (valued.predicted_clv is null) = (clv_value_ranks.predicted_clv is null)

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
