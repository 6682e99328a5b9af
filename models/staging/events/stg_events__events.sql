{#- One row per event (event_id): the first valid delivery (earliest received_at, then
    raw-row hash, then ordinal among byte-identical rows), with its JSON properties
    extracted. A view over base_events__events, which validates each raw delivery once and
    keeps its final fate incrementally: the staged events are its rows without
    reject_reason, so this view and stg_events__events_rejected always add up to the raw
    deliveries (a separately materialized copy could only lag behind its fate). -#}

{{ config(materialized='view') }}

with base_events as (

    select * from {{ ref('base_events__events') }}

),

final as (

    select
        -- ids
        event_id,
        contact_id,
        anonymous_id,
        email_normalized,

        -- event
        event_type,
        url,
        content_topic,
        campaign,
        feature,
        ticket_priority,
        properties_account_id,
        bounce_type,

        -- timestamps
        occurred_at,
        received_at,
        event_date,
        event_month,

        -- the delivery in base_events__events
        row_fingerprint

    from base_events
    where reject_reason is null

)

select * from final
