{#- Churn risk, expansion signals and tier of each staged account as of the as-of date.
    Usage = product_login + feature_used events of the account (int_events__daily_resolved
    account_id) up to the as-of date; last 30 days = age 0-29 days, previous 30
    = age 30-59. A running subscription is active, past_due or trialing, started before the
    cutoff and not ended before it. Churn components (points from vars, score capped at
    100): usage_decline, no_usage, high_ticket_load, low_seat_utilisation, renewal_soon,
    past_due. Tier grid (value band x fit band): A = high value with medium/high fit or
    medium value with high fit; B = high value with low fit, medium value with medium fit,
    low value with high fit; C = everything else. See the YAML for every var. -#}
{%- set usage_decline_pct = var('churn_usage_decline_pct', 30) -%}
{%- set ticket_threshold = var('churn_ticket_threshold', 3) -%}
{%- set low_seat_utilisation = var('churn_low_seat_utilisation', 0.5) -%}
{%- set renewal_window_days = var('churn_renewal_window_days', 90) -%}
{%- set weight_usage_decline = var('churn_weight_usage_decline', 30) -%}
{%- set weight_no_usage = var('churn_weight_no_usage', 30) -%}
{%- set weight_tickets = var('churn_weight_high_ticket_load', 20) -%}
{%- set weight_seats = var('churn_weight_low_seat_utilisation', 20) -%}
{%- set weight_renewal = var('churn_weight_renewal_soon', 15) -%}
{%- set weight_past_due = var('churn_weight_past_due', 15) -%}
{%- set level_medium_min = var('churn_risk_medium_min', 20) -%}
{%- set level_high_min = var('churn_risk_high_min', 40) -%}
{%- set seat_expansion = var('expansion_seat_utilisation_threshold', 0.9) -%}
{%- set feature_window_days = var('expansion_feature_window_days', 90) -%}
{%- set min_feature_breadth = var('expansion_min_feature_breadth', 5) -%}
{%- set min_expansion_signals = var('expansion_min_signals', 2) -%}
{%- set revenue_window_days = var('account_value_revenue_window_days', 365) -%}
{%- set value_high_min = var('tier_value_high_min', 20000) -%}
{%- set value_medium_min = var('tier_value_medium_min', 2000) -%}
{%- set fit_high_min = var('tier_fit_high_min', 30) -%}
{%- set fit_medium_min = var('tier_fit_medium_min', 15) -%}
{%- set churn_reasons = [
    'usage_decline', 'no_usage', 'high_ticket_load', 'low_seat_utilisation',
    'renewal_soon', 'past_due'
] -%}

with accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

firmographics as (

    select * from {{ ref('account_firmographics') }}

),

subscriptions as (

    select * from {{ ref('stg_crm__subscriptions') }}

),

deals as (

    select * from {{ ref('stg_crm__deals') }}

),

orders as (

    select * from {{ ref('int_orders__net_revenue') }}

),

events as (

    select * from {{ ref('int_events__daily_resolved') }}

),

weights as (

    select * from {{ ref('lead_scoring_weights') }}

),

account_events as (

    select
        account_id,
        event_type,
        feature,
        event_count,
        {{ dbt.datediff(
            'event_date',
            as_of_date(),
            'day',
        ) }} as age_days
    from events
    where
        account_id is not null
        and event_type in ('product_login', 'feature_used', 'support_ticket')
        and event_date <= {{ as_of_date() }}

),

usage as (

    select
        account_id,
        cast(sum(
            case
                when event_type <> 'support_ticket' and age_days < 30 then event_count else 0
            end
        ) as {{ dbt.type_bigint() }}) as usage_last_30,
        cast(sum(
            case
                when event_type <> 'support_ticket' and age_days >= 30 and age_days < 60
                    then event_count
                else 0
            end
        ) as {{ dbt.type_bigint() }}) as usage_prev_30,
        cast(sum(
            case
                when event_type = 'support_ticket' and age_days < 30 then event_count else 0
            end
        ) as {{ dbt.type_bigint() }}) as support_tickets_30,
        count(
            distinct case
                when event_type = 'feature_used' and age_days < {{ feature_window_days }}
                    then feature
            end
        ) as feature_breadth
    from account_events
    group by account_id

),

running_subscriptions as (

    select * from subscriptions
    where
        status in ('active', 'past_due', 'trialing')
        and started_at < {{ as_of_cutoff() }}
        and (ended_at is null or ended_at >= {{ as_of_cutoff() }})

),

subscription_summary as (

    select
        account_id,
        count(*) as running_subscription_count,
        sum(seats) as seats,
        sum(seats_used) as seats_used,
        sum(mrr_reporting) as mrr_reporting,
        min(ended_at) as next_end_at,
        max(case when status = 'past_due' then 1 else 0 end) as has_past_due,
        max(
            case plan
                when 'starter' then 1
                when 'growth' then 2
                when 'business' then 3
                when 'enterprise' then 4
            end
        ) as top_plan_order
    from running_subscriptions
    group by account_id

),

open_pipeline as (

    select
        account_id,
        sum(amount_reporting) as open_pipeline_reporting
    from deals
    where
        created_at < {{ as_of_cutoff() }}
        and (not is_closed or closed_at >= {{ as_of_cutoff() }})
    group by account_id

),

recent_revenue as (

    select
        account_id,
        sum(net_revenue_reporting) as net_revenue_recent_reporting
    from orders
    where
        account_id is not null
        and ordered_at < {{ as_of_cutoff() }}
        and {{ dbt.datediff(
            'order_date',
            as_of_date(),
            'day',
        ) }} < {{ revenue_window_days }}
    group by account_id

),

account_fit_signals as (

    select
        account_id,
        {{ dbt.concat(["'employee_band:'", 'segment_size']) }} as scoring_signal
    from firmographics
    union all
    select
        account_id,
        {{ dbt.concat(["'industry:'", 'industry']) }} as scoring_signal
    from firmographics
    union all
    select
        account_id,
        {{ dbt.concat(["'region:'", 'hq_region']) }} as scoring_signal
    from firmographics

),

account_fit as (

    select
        account_fit_signals.account_id,
        sum(weights.weight) as account_fit_score
    from account_fit_signals
    inner join weights
        on
            account_fit_signals.scoring_signal = weights.signal
            and weights.component = 'fit'
    group by account_fit_signals.account_id

),

measures as (

    select
        accounts.account_id,
        coalesce(usage.usage_last_30, 0) as usage_last_30,
        coalesce(usage.usage_prev_30, 0) as usage_prev_30,
        case
            when coalesce(usage.usage_prev_30, 0) > 0
                then {{ round_double(
                    '100.0 * (usage.usage_last_30 - usage.usage_prev_30)'
                    ~ ' / usage.usage_prev_30', 2
                ) }}
        end as usage_trend_pct,
        coalesce(usage.support_tickets_30, 0) as support_tickets_30,
        coalesce(usage.feature_breadth, 0) as feature_breadth,
        subscription_summary.account_id is not null as has_running_subscription,
        coalesce(subscription_summary.has_past_due, 0) = 1 as has_past_due_subscription,
        subscription_summary.seats,
        subscription_summary.seats_used,
        case
            when subscription_summary.seats > 0
                then {{ round_double(
                    'cast(subscription_summary.seats_used as ' ~ type_double() ~ ')'
                    ~ ' / subscription_summary.seats'
                ) }}
        end as seat_utilisation,
        {{ dbt.datediff(
            as_of_date(),
            'cast(subscription_summary.next_end_at as date)',
            'day',
        ) }} as days_to_renewal,
        case subscription_summary.top_plan_order
            when 1 then 'starter'
            when 2 then 'growth'
            when 3 then 'business'
            when 4 then 'enterprise'
        end as top_plan,
        coalesce(subscription_summary.mrr_reporting, 0) as mrr_reporting,
        coalesce(subscription_summary.mrr_reporting, 0) * 12 as arr_reporting,
        coalesce(open_pipeline.open_pipeline_reporting, 0) as open_pipeline_reporting,
        coalesce(recent_revenue.net_revenue_recent_reporting, 0)
            as net_revenue_recent_reporting,
        coalesce(account_fit.account_fit_score, 0) as account_fit_score
    from accounts
    left join usage
        on accounts.account_id = usage.account_id
    left join subscription_summary
        on accounts.account_id = subscription_summary.account_id
    left join open_pipeline
        on accounts.account_id = open_pipeline.account_id
    left join recent_revenue
        on accounts.account_id = recent_revenue.account_id
    left join account_fit
        on accounts.account_id = account_fit.account_id

),

components as (

    select
        measures.*,
        coalesce(
            measures.usage_trend_pct <= -{{ usage_decline_pct }}, false
        ) as fired_usage_decline,
        (
            measures.has_running_subscription
            and measures.usage_last_30 = 0
            and measures.usage_prev_30 = 0
        ) as fired_no_usage,
        measures.support_tickets_30 >= {{ ticket_threshold }} as fired_high_ticket_load,
        coalesce(
            measures.seat_utilisation < {{ low_seat_utilisation }}, false
        ) as fired_low_seat_utilisation,
        coalesce(
            measures.days_to_renewal <= {{ renewal_window_days }}, false
        ) as fired_renewal_soon,
        measures.has_past_due_subscription as fired_past_due,
        coalesce(
            measures.seat_utilisation >= {{ seat_expansion }}, false
        ) as signal_seat_pressure,
        measures.feature_breadth >= {{ min_feature_breadth }} as signal_feature_breadth,
        (
            measures.has_running_subscription
            and coalesce(measures.top_plan, '') <> 'enterprise'
        ) as signal_plan_headroom,
        measures.arr_reporting
        + measures.open_pipeline_reporting
        + measures.net_revenue_recent_reporting as expected_value_reporting
    from measures

),

scored as (

    select
        *,
        least(
            100,
            (case when fired_usage_decline then {{ weight_usage_decline }} else 0 end)
            + (case when fired_no_usage then {{ weight_no_usage }} else 0 end)
            + (case when fired_high_ticket_load then {{ weight_tickets }} else 0 end)
            + (case when fired_low_seat_utilisation then {{ weight_seats }} else 0 end)
            + (case when fired_renewal_soon then {{ weight_renewal }} else 0 end)
            + (case when fired_past_due then {{ weight_past_due }} else 0 end)
        ) as churn_risk_score,
        {{ dbt.concat([
            "case when fired_usage_decline then 'usage_decline;' else '' end",
            "case when fired_no_usage then 'no_usage;' else '' end",
            "case when fired_high_ticket_load then 'high_ticket_load;' else '' end",
            "case when fired_low_seat_utilisation then 'low_seat_utilisation;' else '' end",
            "case when fired_renewal_soon then 'renewal_soon;' else '' end",
            "case when fired_past_due then 'past_due;' else '' end",
        ]) }} as reason_text,
        (case when signal_seat_pressure then 1 else 0 end)
        + (case when signal_feature_breadth then 1 else 0 end)
        + (case when signal_plan_headroom then 1 else 0 end) as expansion_signal_count,
        case
            when expected_value_reporting >= {{ value_high_min }} then 'high'
            when expected_value_reporting >= {{ value_medium_min }} then 'medium'
            else 'low'
        end as value_band,
        case
            when account_fit_score >= {{ fit_high_min }} then 'high'
            when account_fit_score >= {{ fit_medium_min }} then 'medium'
            else 'low'
        end as fit_band
    from components

),

final as (

    select
        -- ids
        account_id,

        -- usage
        usage_last_30,
        usage_prev_30,
        usage_trend_pct,
        support_tickets_30,
        feature_breadth,

        -- subscriptions
        has_running_subscription,
        has_past_due_subscription,
        top_plan,
        seats,
        seats_used,
        seat_utilisation,
        days_to_renewal,
        mrr_reporting,

        -- churn risk
        churn_risk_score,
        case
            when churn_risk_score >= {{ level_high_min }} then 'high'
            when churn_risk_score >= {{ level_medium_min }} then 'medium'
            else 'low'
        end as churn_risk_level,
        case
            when length(reason_text) > 0 then substr(reason_text, 1, length(reason_text) - 1)
        end as churn_risk_reasons,
        fired_usage_decline,
        fired_no_usage,
        fired_high_ticket_load,
        fired_low_seat_utilisation,
        fired_renewal_soon,
        fired_past_due,

        -- expansion
        signal_seat_pressure,
        signal_feature_breadth,
        signal_plan_headroom,
        expansion_signal_count,
        (
            has_running_subscription
            and expansion_signal_count >= {{ min_expansion_signals }}
            and churn_risk_score < {{ level_high_min }}
        ) as is_expansion_candidate,

        -- value and tier
        arr_reporting,
        open_pipeline_reporting,
        net_revenue_recent_reporting,
        expected_value_reporting,
        value_band,
        account_fit_score,
        fit_band,
        case
            when value_band = 'high' and fit_band in ('high', 'medium') then 'A'
            when value_band = 'medium' and fit_band = 'high' then 'A'
            when value_band = 'high' then 'B'
            when value_band = 'medium' and fit_band = 'medium' then 'B'
            when value_band = 'low' and fit_band = 'high' then 'B'
            else 'C'
        end as account_tier

    from scored

)

select * from final
