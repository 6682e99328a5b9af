{#- One row per event (the first delivery of each event_id that passed validation).
    Incremental: a run re-reads the raw rows received within the lookback window
    (see macros/incremental_events.sql), keeps the earliest valid delivery per event_id
    in the window, and drops it when the target already holds an earlier delivery.
    An earlier delivery that lands late replaces the later one through delete+insert
    on event_id (on Spark: insert_overwrite of the event_month partitions it touches; months,
    not days, so a small table is not thousands of tiny files). Same result as a full
    refresh. -#}

{{
    config(
        materialized='incremental',
        unique_key='event_id',
        incremental_strategy=incremental_strategy_for_events(),
        partition_by=incremental_events_partition_by('event_month'),
        on_schema_change='fail',
    )
}}

with base_events as (

    select * from {{ ref('base_events__events') }}

),

windowed as (

    select * from base_events
    {% if is_incremental() %}
        where {{ incremental_events_window_filter(this) }}
    {% endif %}

),

ranked as (

    select
        windowed.*,
        row_number() over (
            partition by windowed.event_id
            order by {{ incremental_events_delivery_order('windowed') }}
        ) as delivery_rank
    from windowed
    where windowed.reject_reason is null

),

first_deliveries as (

    select * from ranked
    where delivery_rank = 1

),

new_first_deliveries as (

    select first_deliveries.*
    from first_deliveries
    {% if is_incremental() %}
        left join {{ this }} as existing_events
            on
                first_deliveries.event_id = existing_events.event_id
                and first_deliveries.received_at > existing_events.received_at
        where existing_events.event_id is null
    {% endif %}

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
        {{ json_extract_string('properties', 'url') }} as url,
        {{ json_extract_string('properties', 'content_topic') }} as content_topic,
        {{ json_extract_string('properties', 'campaign') }} as campaign,
        {{ json_extract_string('properties', 'feature') }} as feature,
        {{ json_extract_string('properties', 'ticket_priority') }} as ticket_priority,
        {{ json_extract_string('properties', 'account_id') }} as properties_account_id,

        -- timestamps
        occurred_at,
        received_at,
        cast(occurred_at as date) as event_date,
        cast({{ dbt.date_trunc('month', 'occurred_at') }} as date) as event_month

    from new_first_deliveries

)

{{ incremental_events_select('final', 'partitions_of_key', 'event_id', 'event_month') }}
