{#- int_events__daily_by_key with each identity key resolved to its canonical contact and
    account (int_events__identity_resolution): per day, event type, url and feature, what
    the event marts (contact_engagement, contact_needs, account_health) and
    int_contacts__daily_activity count. A view: a hash join of the daily aggregates with
    the small resolution table, evaluated by the models that read it. -#}

{{ config(materialized='view') }}

with daily as (

    select * from {{ ref('int_events__daily_by_key') }}

),

resolution as (

    select * from {{ ref('int_events__identity_resolution') }}

),

joined as (

    select
        -- ids
        daily.aggregate_key,
        daily.identity_key,
        resolution.contact_id,
        resolution.account_id,
        resolution.resolution_method,

        -- grain
        daily.event_date,
        daily.event_month,
        daily.event_type,
        daily.url,
        daily.feature,

        -- facts
        daily.event_count,
        daily.first_occurred_at,
        daily.last_occurred_at,
        daily.fingerprint_sum_a,
        daily.fingerprint_sum_b

    from daily
    inner join resolution
        on daily.identity_key = resolution.identity_key

)

select * from joined
