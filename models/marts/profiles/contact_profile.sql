{#- The customer 360: one row per canonical contact joining every contact attribute family,
    the contact's CRM consent and deletion flags and the context of its account. BI-facing:
    no direct identifiers (the email only as email_sha256) and age, income and household size
    as bands (docs/privacy.md); activation reads activation_contacts.
    This is a public interface (contract enforced): add columns at the end, never rename. -#}

with identity as (

    select * from {{ ref('int_contacts__identity') }}

),

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

demographics as (

    select * from {{ ref('contact_demographics') }}

),

geography as (

    select * from {{ ref('contact_geography') }}

),

persona as (

    select * from {{ ref('contact_persona') }}

),

behavior as (

    select * from {{ ref('contact_behavior') }}

),

psychographics as (

    select * from {{ ref('contact_psychographics') }}

),

engagement as (

    select * from {{ ref('contact_engagement') }}

),

lifecycle as (

    select * from {{ ref('contact_lifecycle') }}

),

needs as (

    select * from {{ ref('contact_needs') }}

),

clv as (

    select * from {{ ref('contact_clv') }}

),

firmographics as (

    select * from {{ ref('account_firmographics') }}

),

health as (

    select * from {{ ref('account_health') }}

),

profiles as (

    select
        -- ids and CRM record
        identity.contact_id,
        identity.account_id,
        {{ email_sha256('contacts.email_normalized') }} as email_sha256,
        contacts.marketing_consent,
        contacts.is_deleted,
        contacts.lead_source,
        contacts.created_at as contact_created_at,
        {{ as_of_date() }} as as_of_date,

        -- account context
        firmographics.account_name,
        firmographics.industry,
        firmographics.segment_size,
        health.account_tier,

        -- demographics
        demographics.age_band,
        demographics.gender,
        demographics.marital_status,
        demographics.household_size_band,
        demographics.income_band,
        demographics.job_title,
        demographics.job_function,
        demographics.is_consumer,
        cast(demographics.duplicate_count as {{ dbt.type_bigint() }}) as duplicate_count,

        -- geography
        geography.country_code,
        geography.country_name,
        geography.region,
        geography.subregion,
        geography.language_code,
        geography.currency_code,
        geography.time_zone,
        geography.city,
        geography.postal_area,
        geography.urbanity,
        geography.urbanity_rule_id,

        -- persona
        persona.job_title_rule_id,
        persona.persona,
        persona.seniority,
        persona.buying_role,
        persona.is_decision_maker,

        -- behavior
        behavior.first_purchase_date,
        behavior.last_purchase_date,
        cast(behavior.recency_days as {{ dbt.type_bigint() }}) as recency_days,
        cast(behavior.r_score as {{ dbt.type_int() }}) as r_score,
        cast(behavior.f_score as {{ dbt.type_int() }}) as f_score,
        cast(behavior.m_score as {{ dbt.type_int() }}) as m_score,
        behavior.categories_bought,
        behavior.favourite_category,
        cast(behavior.frequency as {{ dbt.type_bigint() }}) as frequency,
        cast(behavior.monetary as {{ type_double() }}) as monetary,
        behavior.rfm_segment,
        cast(behavior.repeat_rate as {{ type_double() }}) as repeat_rate,
        behavior.is_repeat_customer,
        behavior.tenure_start_date,
        cast(behavior.active_days_30 as {{ dbt.type_bigint() }}) as active_days_30,
        cast(behavior.active_days_90 as {{ dbt.type_bigint() }}) as active_days_90,
        cast(behavior.tenure_days as {{ dbt.type_bigint() }}) as tenure_days,
        behavior.usage_level,

        -- psychographics
        cast(
            psychographics.sustainability_affinity as {{ type_double() }}
        ) as sustainability_affinity,
        cast(psychographics.subscription_share as {{ type_double() }}) as subscription_share,
        cast(psychographics.price_sensitivity as {{ type_double() }}) as price_sensitivity,
        cast(
            psychographics.purchased_line_count as {{ dbt.type_bigint() }}
        ) as purchased_line_count,
        psychographics.prefers_subscription,
        psychographics.price_sensitivity_band,

        -- engagement
        cast(engagement.fit_buying_role as {{ type_double() }}) as fit_buying_role,
        cast(engagement.fit_seniority as {{ type_double() }}) as fit_seniority,
        cast(engagement.fit_persona as {{ type_double() }}) as fit_persona,
        cast(engagement.fit_employee_band as {{ type_double() }}) as fit_employee_band,
        cast(engagement.fit_industry as {{ type_double() }}) as fit_industry,
        cast(engagement.fit_region as {{ type_double() }}) as fit_region,
        cast(engagement.score_page_view as {{ type_double() }}) as score_page_view,
        cast(engagement.score_pricing_page_view as {{ type_double() }}) as score_pricing_page_view,
        cast(engagement.score_email_open as {{ type_double() }}) as score_email_open,
        cast(engagement.score_email_click as {{ type_double() }}) as score_email_click,
        cast(engagement.score_form_submit as {{ type_double() }}) as score_form_submit,
        cast(engagement.score_product_login as {{ type_double() }}) as score_product_login,
        cast(engagement.score_feature_used as {{ type_double() }}) as score_feature_used,
        cast(engagement.score_support_ticket as {{ type_double() }}) as score_support_ticket,
        cast(engagement.score_email_unsubscribe as {{ type_double() }}) as score_email_unsubscribe,
        cast(engagement.score_email_bounce as {{ type_double() }}) as score_email_bounce,
        cast(engagement.fit_score as {{ type_double() }}) as fit_score,
        cast(engagement.engagement_score as {{ type_double() }}) as engagement_score,
        cast(engagement.lead_score as {{ type_double() }}) as lead_score,
        engagement.is_mql,
        engagement.is_sql,
        engagement.funnel_stage,

        -- lifecycle
        lifecycle.lifecycle_stage,
        lifecycle.crm_lifecycle_stage,
        lifecycle.has_current_customer_evidence,
        lifecycle.has_past_customer_evidence,
        lifecycle.has_running_subscription,
        lifecycle.has_trial_subscription,
        lifecycle.has_ended_subscription,
        lifecycle.has_open_deal,
        lifecycle.last_won_deal_at,
        lifecycle.last_purchase_at,
        cast(
            lifecycle.days_since_last_purchase as {{ dbt.type_bigint() }}
        ) as days_since_last_purchase,
        lifecycle.has_form_submit,
        cast(lifecycle.lifecycle_stage_order as {{ dbt.type_int() }}) as lifecycle_stage_order,
        lifecycle.is_customer,
        lifecycle.customer_type,

        -- needs
        needs.main_content_topic,
        needs.main_need,
        needs.topics_consumed,
        cast(needs.topic_count as {{ dbt.type_bigint() }}) as topic_count,
        cast(needs.content_events_in_window as {{ dbt.type_bigint() }}) as content_events_in_window,
        needs.awareness_stage,
        cast(needs.awareness_stage_order as {{ dbt.type_int() }}) as awareness_stage_order,
        needs.has_content,

        -- clv
        cast(clv.historical_net_revenue as {{ type_double() }}) as historical_net_revenue,
        cast(clv.historical_orders as {{ dbt.type_bigint() }}) as historical_orders,
        cast(clv.historical_aov as {{ type_double() }}) as historical_aov,
        cast(clv.customer_tenure_days as {{ dbt.type_int() }}) as customer_tenure_days,
        cast(clv.clv_frequency as {{ dbt.type_bigint() }}) as clv_frequency,
        cast(clv.clv_recency as {{ type_double() }}) as clv_recency,
        cast(clv.clv_t as {{ type_double() }}) as clv_t,
        cast(clv.p_alive as {{ type_double() }}) as p_alive,
        cast(clv.expected_purchases as {{ type_double() }}) as expected_purchases,
        cast(clv.expected_avg_order_value as {{ type_double() }}) as expected_avg_order_value,
        cast(clv.predicted_clv as {{ type_double() }}) as predicted_clv,
        cast(clv.clv_percentile as {{ type_double() }}) as clv_percentile,
        clv.clv_tier,
        clv.clv_status

    from identity
    inner join contacts
        on identity.contact_id = contacts.contact_id
    inner join demographics
        on identity.contact_id = demographics.contact_id
    inner join geography
        on identity.contact_id = geography.contact_id
    inner join persona
        on identity.contact_id = persona.contact_id
    inner join behavior
        on identity.contact_id = behavior.contact_id
    inner join psychographics
        on identity.contact_id = psychographics.contact_id
    inner join engagement
        on identity.contact_id = engagement.contact_id
    inner join lifecycle
        on identity.contact_id = lifecycle.contact_id
    inner join needs
        on identity.contact_id = needs.contact_id
    inner join clv
        on identity.contact_id = clv.contact_id
    left join firmographics
        on identity.account_id = firmographics.account_id
    left join health
        on identity.account_id = health.account_id
    where identity.is_canonical

)

select * from profiles
