{#- Staged events aggregated per identity key as the event carries it (contact_id,
    email_normalized, anonymous_id and properties.account_id, hashed into identity_key),
    event_date, event_type, url and feature: the grain every event mart needs. Identity is
    not resolved here (int_events__identity_resolution maps identity keys to contacts), so
    a new link of an email or anonymous id re-attributes history without touching this
    table.

    Incremental by day: a run recomputes, from the staged events of those days only, every
    event_date whose staged events differ from what this table holds (count or one of the
    two fingerprint checksums differs from int_events__daily_manifest, or the day is new)
    and replaces all rows of those days (delete+insert on event_date; on Spark
    insert_overwrite of the event_month partitions holding them). Days that no longer have
    any staged event are deleted (pre-hook; on Spark their partitions are rewritten without
    them; a month left without any staged event cannot be emptied by a partition overwrite:
    run --full-refresh then, as for erasure). Equal to a full refresh (tested by
    tests_py/test_events_incremental.py and test_events_random_sequences.py). -#}

{{
    config(
        materialized='incremental',
        unique_key='event_date',
        incremental_strategy=incremental_strategy_for_events(),
        partition_by=incremental_events_partition_by('event_month'),
        on_schema_change='fail',
        pre_hook="{{ events_delete_days_without_events(ref('int_events__daily_manifest')) }}",
    )
}}

-- depends_on: {{ ref('int_events__daily_manifest') }}

with

{% if is_incremental() %}

    changed_days as (

        {{ events_days_differing_from(ref('int_events__daily_manifest')) }}

    ),

{% endif %}

events as (

    select events.*
    from {{ ref('stg_events__events') }} as events
    {% if is_incremental() %}
        inner join changed_days
            on events.event_date = changed_days.event_date
    {% endif %}

),

keyed as (

    select
        {{ events_identity_key(
            'contact_id', 'email_normalized', 'anonymous_id', 'properties_account_id'
        ) }} as identity_key,
        event_id,
        contact_id,
        email_normalized,
        anonymous_id,
        properties_account_id,
        event_date,
        event_month,
        event_type,
        url,
        feature,
        occurred_at,
        row_fingerprint
    from events

),

aggregated as (

    select
        identity_key,
        contact_id,
        email_normalized,
        anonymous_id,
        properties_account_id,
        event_date,
        event_month,
        event_type,
        url,
        feature,
        count(*) as event_count,
        min(occurred_at) as first_occurred_at,
        max(occurred_at) as last_occurred_at,
        {{ first_by('event_id', 'occurred_at', 'event_id') }} as first_event_id,
        {{ events_fingerprint_sums() }}
    from keyed
    group by
        identity_key,
        contact_id,
        email_normalized,
        anonymous_id,
        properties_account_id,
        event_date,
        event_month,
        event_type,
        url,
        feature

),

final as (

    select
        -- ids
        {{ dbt.hash(dbt.concat([
            'identity_key', "'|'",
            dbt.cast('event_date', dbt.type_string()), "'|'",
            'event_type', "'|'",
            events_identity_key('url', 'feature', "''", "''"),
        ])) }} as aggregate_key,
        identity_key,

        -- identifiers as the events carry them
        contact_id,
        email_normalized,
        anonymous_id,
        properties_account_id,

        -- grain
        event_date,
        event_type,
        url,
        feature,

        -- facts
        event_count,
        first_occurred_at,
        last_occurred_at,
        first_event_id,

        -- checksums of the deliveries counted (see int_events__daily_manifest)
        fingerprint_sum_a,
        fingerprint_sum_b,

        -- partition column on Spark
        event_month

    from aggregated

)

{{ incremental_events_select(
    'final', 'partitions_of_key', 'event_date', 'event_month',
    'event_date not in (select event_date from ' ~ ref('int_events__daily_manifest') ~ ')',
) }}
