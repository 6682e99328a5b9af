{#- One row per raw event delivery that is not staged: row-level failures with their
    reason from base_events__events, and 'duplicate' for valid deliveries of an event_id
    whose staged copy (stg_events__events) is another delivery. Raw columns as received.
    Incremental and append-safe: unique key row_fingerprint (event_id, received_at,
    raw-row hash and the ordinal among byte-identical rows), so re-reading the lookback
    window replaces rows instead of adding them again. Rows without received_at
    (missing_required_field) cannot be windowed and are re-read on every run. -#}

{{
    config(
        materialized='incremental',
        unique_key='row_fingerprint',
        incremental_strategy=incremental_strategy_for_events(),
        partition_by=incremental_events_partition_by('reject_reason'),
        on_schema_change='fail',
    )
}}

with base_events as (

    select * from {{ ref('base_events__events') }}

),

staged_events as (

    select * from {{ ref('stg_events__events') }}

),

windowed as (

    select * from base_events
    {% if is_incremental() %}
        where
            {{ incremental_events_window_filter(this) }}
            or received_at is null
    {% endif %}

),

ranked as (

    select
        windowed.*,
        row_number() over (
            partition by windowed.reject_reason, windowed.event_id
            order by {{ incremental_events_delivery_order('windowed') }}
        ) as delivery_rank
    from windowed

),

classified as (

    select
        ranked.*,
        case
            when ranked.reject_reason is not null then ranked.reject_reason
            when
                ranked.delivery_rank = 1
                and staged_events.received_at = ranked.received_at
                then null
            else 'duplicate'
        end as final_reject_reason
    from ranked
    left join staged_events
        on ranked.event_id = staged_events.event_id

),

rejected as (

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
        final_reject_reason as reject_reason,
        {{ dbt.hash(dbt.concat([
            "coalesce(raw_event_id, '')", "'|'",
            "coalesce(cast(received_at as " ~ dbt.type_string() ~ "), '')", "'|'",
            'row_hash', "'|'",
            'cast(row_ordinal as ' ~ dbt.type_string() ~ ')',
        ])) }} as row_fingerprint
    from classified
    where final_reject_reason is not null

)

{{ incremental_events_select('rejected', 'before_window') }}
