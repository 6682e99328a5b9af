{#- One row per raw event delivery that is not staged: row-level failures with their
    reason from base_events__events, and 'duplicate' for valid deliveries of an event_id
    whose staged copy (stg_events__events) is another delivery. Raw columns as received.
    A delivery is the staged one when stg_events__events holds its event_id, received_at,
    row_hash and row_ordinal: one join, no ranking of deliveries a second time.
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

classified as (

    select
        windowed.*,
        case
            when windowed.reject_reason is not null then windowed.reject_reason
            when staged_events.event_id is null then 'duplicate'
        end as final_reject_reason
    from windowed
    left join staged_events
        on
            windowed.event_id = staged_events.event_id
            and windowed.received_at = staged_events.received_at
            and windowed.row_hash = staged_events.row_hash
            and windowed.row_ordinal = staged_events.row_ordinal

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
