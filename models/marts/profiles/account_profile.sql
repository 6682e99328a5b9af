{#- One row per staged account joining the firmographic and account-health attribute
    families. A public interface (contract enforced): add columns at the end, never rename. -#}

with accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

firmographics as (

    select * from {{ ref('account_firmographics') }}

),

health as (

    select * from {{ ref('account_health') }}

),

clv as (

    select * from {{ ref('account_clv') }}

),

profiles as (

    select
        -- ids
        accounts.account_id,
        accounts.website_domain,
        {{ as_of_date() }} as as_of_date,

        -- firmographics
        firmographics.account_name,
        firmographics.industry,
        cast(firmographics.employee_count as {{ dbt.type_bigint() }}) as employee_count,
        firmographics.employee_band,
        firmographics.segment_size,
        cast(
            firmographics.annual_revenue_reporting as {{ type_double() }}
        ) as annual_revenue_reporting,
        firmographics.revenue_band,
        firmographics.hq_country_code,
        firmographics.hq_country_name,
        firmographics.hq_region,
        firmographics.hq_subregion,
        firmographics.technologies,
        cast(firmographics.technology_count as {{ dbt.type_bigint() }}) as technology_count,
        firmographics.uses_salesforce,
        firmographics.uses_hubspot,
        firmographics.uses_snowflake,
        firmographics.uses_aws,
        firmographics.uses_azure,
        firmographics.uses_gcp,
        firmographics.uses_shopify,
        firmographics.uses_sap,
        cast(firmographics.contact_count as {{ dbt.type_bigint() }}) as contact_count,
        cast(firmographics.decision_maker_count as {{ dbt.type_bigint() }}) as decision_maker_count,

        -- health
        cast(health.usage_last_30 as {{ dbt.type_bigint() }}) as usage_last_30,
        cast(health.usage_prev_30 as {{ dbt.type_bigint() }}) as usage_prev_30,
        cast(health.usage_trend_pct as {{ type_double() }}) as usage_trend_pct,
        cast(health.support_tickets_30 as {{ dbt.type_bigint() }}) as support_tickets_30,
        cast(health.feature_breadth as {{ dbt.type_bigint() }}) as feature_breadth,
        health.has_running_subscription,
        health.has_past_due_subscription,
        health.top_plan,
        cast(health.seats as {{ dbt.type_bigint() }}) as seats,
        cast(health.seats_used as {{ dbt.type_bigint() }}) as seats_used,
        cast(health.seat_utilisation as {{ type_double() }}) as seat_utilisation,
        cast(health.days_to_renewal as {{ dbt.type_bigint() }}) as days_to_renewal,
        cast(health.mrr_reporting as {{ type_double() }}) as mrr_reporting,
        cast(health.churn_risk_score as {{ dbt.type_int() }}) as churn_risk_score,
        health.churn_risk_level,
        health.churn_risk_reasons,
        health.fired_usage_decline,
        health.fired_no_usage,
        health.fired_high_ticket_load,
        health.fired_low_seat_utilisation,
        health.fired_renewal_soon,
        health.fired_past_due,
        health.signal_seat_pressure,
        health.signal_feature_breadth,
        health.signal_plan_headroom,
        cast(health.expansion_signal_count as {{ dbt.type_int() }}) as expansion_signal_count,
        health.is_expansion_candidate,
        cast(health.arr_reporting as {{ type_double() }}) as arr_reporting,
        cast(health.open_pipeline_reporting as {{ type_double() }}) as open_pipeline_reporting,
        cast(
            health.net_revenue_recent_reporting as {{ type_double() }}
        ) as net_revenue_recent_reporting,
        cast(health.expected_value_reporting as {{ type_double() }}) as expected_value_reporting,
        health.value_band,
        cast(health.account_fit_score as {{ type_double() }}) as account_fit_score,
        health.fit_band,
        health.account_tier,

        -- clv
        cast(clv.account_contacts as {{ dbt.type_bigint() }}) as account_contacts,
        cast(
            clv.account_historical_net_revenue as {{ type_double() }}
        ) as account_historical_net_revenue,
        cast(clv.account_historical_orders as {{ dbt.type_bigint() }}) as account_historical_orders,
        cast(clv.account_predicted_clv as {{ type_double() }}) as account_predicted_clv,
        cast(clv.account_clv_percentile as {{ type_double() }}) as account_clv_percentile,
        clv.account_clv_tier

    from accounts
    inner join firmographics
        on accounts.account_id = firmographics.account_id
    inner join health
        on accounts.account_id = health.account_id
    inner join clv
        on accounts.account_id = clv.account_id

)

select * from profiles
