{#- One row per raw event delivery that is not staged: a row-level failure with its
    reason, or 'duplicate' for a valid delivery of an event_id whose staged copy is another
    delivery. Raw columns as received. A view over base_events__events (its rows with a
    reject_reason), so staged + rejected = raw deliveries after any run. row_fingerprint
    (event_id, received_at, raw-row hash and the ordinal among byte-identical rows) is the
    key of the delivery in base_events__events. -#}

{{ config(materialized='view') }}

with base_events as (

    select * from {{ ref('base_events__events') }}

),

final as (

    select
        -- raw columns as received
        raw_event_id as event_id,
        occurred_at,
        received_at,
        raw_contact_id as contact_id,
        raw_email as email,
        raw_anonymous_id as anonymous_id,
        raw_event_type as event_type,
        raw_properties as properties,

        -- quarantine
        reject_reason,
        row_fingerprint

    from base_events
    where reject_reason is not null

)

select * from final
