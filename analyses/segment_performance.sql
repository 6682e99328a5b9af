{#- Segment performance: members vs holdout. For every as-of date D in
    segment_membership_daily whose outcome window (D, D + var segment_performance_window_days]
    ends by the current as-of date, and every segment: conversion (at least one purchase in
    the window) and net revenue per member of the treated members and of the holdout, the
    lift, and confidence intervals at var segment_performance_z (1.96 = 95 %):
    - conversion difference: normal approximation, p_t - p_h +- z * sqrt(p_t(1-p_t)/n_t +
      p_h(1-p_h)/n_h);
    - conversion lift p_t / p_h - 1: log relative risk (Katz), exp(ln(p_t/p_h) +- z *
      sqrt(1/x_t - 1/n_t + 1/x_h - 1/n_h)) - 1, null when a group has no conversion;
    - revenue per member difference: Welch, +- z * sqrt(s_t^2/n_t + s_h^2/n_h).
    Contact members are matched to purchases through their canonical contact id; account
    members through the order's account. Null statistics mean too little data (no holdout
    member, no conversions). -#}
{%- set window_days = var('segment_performance_window_days') -%}
{%- set z = var('segment_performance_z') -%}

with membership_daily as (

    select * from {{ ref('segment_membership_daily') }}

),

orders as (

    select * from {{ ref('int_orders__net_revenue') }}

),

identity as (

    select * from {{ ref('int_contacts__identity') }}

),

purchases as (

    select
        identity.canonical_contact_id,
        orders.account_id,
        orders.order_date,
        orders.net_revenue_reporting
    from orders
    left join identity
        on orders.contact_id = identity.contact_id
    where orders.is_purchase

),

cohorts as (

    select
        segment_id,
        entity_type,
        entity_id,
        is_holdout,
        as_of_date,
        {{ dbt.dateadd('day', window_days, 'as_of_date') }} as window_end_date
    from membership_daily
    where {{ dbt.dateadd('day', window_days, 'as_of_date') }} <= {{ as_of_date() }}

),

member_outcomes as (

    select
        cohorts.segment_id,
        cohorts.entity_type,
        cohorts.entity_id,
        cohorts.is_holdout,
        cohorts.as_of_date,
        max(case when purchases.order_date is not null then 1 else 0 end) as converted,
        coalesce(sum(purchases.net_revenue_reporting), 0) as revenue
    from cohorts
    left join purchases
        on
            (
                (
                    cohorts.entity_type = 'contact'
                    and cohorts.entity_id = purchases.canonical_contact_id
                )
                or (cohorts.entity_type = 'account' and cohorts.entity_id = purchases.account_id)
            )
            and cohorts.as_of_date < purchases.order_date
            and cohorts.window_end_date >= purchases.order_date
    group by
        cohorts.segment_id,
        cohorts.entity_type,
        cohorts.entity_id,
        cohorts.is_holdout,
        cohorts.as_of_date

),

group_stats as (

    select
        as_of_date,
        segment_id,
        is_holdout,
        count(*) as members,
        sum(converted) as conversions,
        cast(sum(converted) as {{ type_double() }}) / count(*) as conversion_rate,
        sum(revenue) as revenue,
        avg(revenue) as revenue_per_member,
        coalesce(stddev_samp(revenue), 0) as revenue_stddev
    from member_outcomes
    group by as_of_date, segment_id, is_holdout

),

compared as (

    select
        treated.as_of_date,
        treated.segment_id,
        treated.members as treated_members,
        holdout.members as holdout_members,
        treated.conversions as treated_conversions,
        holdout.conversions as holdout_conversions,
        treated.conversion_rate as treated_conversion_rate,
        holdout.conversion_rate as holdout_conversion_rate,
        treated.revenue_per_member as treated_revenue_per_member,
        holdout.revenue_per_member as holdout_revenue_per_member,
        treated.conversion_rate - holdout.conversion_rate as conversion_difference,
        sqrt(
            treated.conversion_rate * (1 - treated.conversion_rate) / treated.members
            + holdout.conversion_rate * (1 - holdout.conversion_rate) / holdout.members
        ) as conversion_difference_se,
        case
            when treated.conversions > 0 and holdout.conversions > 0
                then ln(treated.conversion_rate / holdout.conversion_rate)
        end as log_relative_risk,
        case
            when treated.conversions > 0 and holdout.conversions > 0
                then sqrt(
                    1.0 / treated.conversions - 1.0 / treated.members
                    + 1.0 / holdout.conversions - 1.0 / holdout.members
                )
        end as log_relative_risk_se,
        treated.revenue_per_member - holdout.revenue_per_member as revenue_difference,
        sqrt(
            treated.revenue_stddev * treated.revenue_stddev / treated.members
            + holdout.revenue_stddev * holdout.revenue_stddev / holdout.members
        ) as revenue_difference_se
    from group_stats as treated
    left join group_stats as holdout
        on
            treated.as_of_date = holdout.as_of_date
            and treated.segment_id = holdout.segment_id
            and holdout.is_holdout
    where not treated.is_holdout

),

final as (

    select
        as_of_date,
        segment_id,
        treated_members,
        holdout_members,
        treated_conversions,
        holdout_conversions,
        {{ segment_number('treated_conversion_rate', 4) }} as treated_conversion_rate,
        {{ segment_number('holdout_conversion_rate', 4) }} as holdout_conversion_rate,
        {{ segment_number('conversion_difference', 4) }} as conversion_difference,
        {{ segment_number('conversion_difference - ' ~ z ~ ' * conversion_difference_se', 4) }}
            as conversion_difference_ci_low,
        {{ segment_number('conversion_difference + ' ~ z ~ ' * conversion_difference_se', 4) }}
            as conversion_difference_ci_high,
        {{ segment_number('exp(log_relative_risk) - 1', 4) }} as conversion_lift,
        {{ segment_number('exp(log_relative_risk - ' ~ z ~ ' * log_relative_risk_se) - 1', 4) }}
            as conversion_lift_ci_low,
        {{ segment_number('exp(log_relative_risk + ' ~ z ~ ' * log_relative_risk_se) - 1', 4) }}
            as conversion_lift_ci_high,
        {{ segment_number('treated_revenue_per_member', 2) }} as treated_revenue_per_member,
        {{ segment_number('holdout_revenue_per_member', 2) }} as holdout_revenue_per_member,
        {{ segment_number('revenue_difference', 2) }} as revenue_difference,
        {{ segment_number('revenue_difference - ' ~ z ~ ' * revenue_difference_se', 2) }}
            as revenue_difference_ci_low,
        {{ segment_number('revenue_difference + ' ~ z ~ ' * revenue_difference_se', 2) }}
            as revenue_difference_ci_high,
        {{ segment_number(
            'treated_revenue_per_member / nullif(holdout_revenue_per_member, 0) - 1', 4
        ) }} as revenue_lift
    from compared

)

select * from final
order by as_of_date, segment_id
