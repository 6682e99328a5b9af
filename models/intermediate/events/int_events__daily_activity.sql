{#- Daily event counts per raw identity key. Incremental (delete+insert on event_date):
    a run finds the event dates touched by staged events received within the lookback
    window (received_at at or after the latest max_received_at already in the target
    minus var('events_lookback_hours')), deletes those dates and rebuilds them from every
    staged event of those dates. Everything older is final, the same assumption as
    stg_events__events, so an incremental run equals a full refresh. Keys are the raw
    identity fields; canonical contacts are resolved downstream (int_contacts__daily_activity)
    so a later anonymous-id link never requires rebuilding this table. -#}

{{
    config(
        materialized='incremental',
        unique_key='event_date',
        incremental_strategy=incremental_strategy_for_events(),
        partition_by=incremental_events_partition_by('event_date'),
        on_schema_change='fail',
    )
}}

with events as (

    select * from {{ ref('stg_events__events') }}

),

{% if is_incremental() %}
    affected_dates as (

        select distinct event_date
        from events
        where
            received_at >= coalesce(
                (
                    select
                        {{ dbt.dateadd(
                            'hour',
                            -1 * (var('events_lookback_hours') | int),
                            'max(max_received_at)',
                        ) }}
                    from {{ this }}
                ),
                cast('1900-01-01 00:00:00' as {{ dbt.type_timestamp() }})
            )

    ),

    events_to_process as (

        select events.*
        from events
        inner join affected_dates
            on events.event_date = affected_dates.event_date

    ),
{% else %}
    events_to_process as (

        select * from events

    ),
{% endif %}

aggregated as (

    select
        -- keys
        event_date,
        event_type,
        contact_id,
        email_normalized,
        anonymous_id,
        properties_account_id,

        -- measures
        count(*) as event_count,
        min(occurred_at) as first_occurred_at,
        max(occurred_at) as last_occurred_at,
        max(received_at) as max_received_at

    from events_to_process
    group by
        event_date,
        event_type,
        contact_id,
        email_normalized,
        anonymous_id,
        properties_account_id

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            dbt.cast('event_date', dbt.type_string()), "'|'",
            "event_type", "'|'",
            "coalesce(contact_id, '')", "'|'",
            "coalesce(email_normalized, '')", "'|'",
            "coalesce(anonymous_id, '')", "'|'",
            "coalesce(properties_account_id, '')",
        ])) }} as activity_key,
        aggregated.*
    from aggregated

)

select * from final
