{#- Daily activity per canonical contact, account, date and event type: the per-identity-key
    daily aggregates with their resolved contact and account (int_events__daily_resolved)
    summed per day. Resolution is written once, in int_events__identity_resolution; this
    model only aggregates.

    Incremental by day, like int_events__daily_by_key: a run recomputes, from the daily
    aggregates of those days only, every event_date
      a) whose staged deliveries differ from what this table counted (count or one of the
         two fingerprint checksums differs from int_events__daily_manifest, or the day is new),
      b) on which an identity key has aggregates whose resolution (contact or account)
         differs from the one this table applied, or which is new or gone. The resolution
         applied is kept, one row per identity key, in the table
         <this>__applied_resolution, which the post-hook rewrites after every run; without it
         (first run after an upgrade) every day is recomputed.
    and replaces all rows of those days (delete+insert on event_date; on Spark
    insert_overwrite of the event_month partitions holding them). Days that no longer have
    any staged event are deleted (pre-hook). So a later anonymous-id link, a CRM merge or an
    account change re-attributes every day of history it touches, and only those. Equal to
    a full refresh (tests_py/test_events_random_sequences.py). -#}

{%- set applied_exists = false -%}
{%- if execute and is_incremental() -%}
    {%- set applied_resolution = events_applied_resolution() -%}
    {%- set applied_exists = adapter.get_relation(
        applied_resolution.database, applied_resolution.schema, applied_resolution.identifier
    ) is not none -%}
{%- endif -%}

{{
    config(
        materialized='incremental',
        unique_key='event_date',
        incremental_strategy=incremental_strategy_for_events(),
        partition_by=incremental_events_partition_by('event_month'),
        on_schema_change='fail',
        pre_hook="{{ events_delete_days_without_events(ref('int_events__daily_manifest')) }}",
        post_hook=[
            "drop table if exists {{ events_applied_resolution() }}",
            "{{ events_store_applied_resolution(ref('int_events__identity_resolution')) }}",
        ],
    )
}}

-- depends_on: {{ ref('int_events__daily_manifest') }}
-- depends_on: {{ ref('int_events__identity_resolution') }}

with

{% if is_incremental() %}

    {% if applied_exists %}

        resolution as (

            select * from {{ ref('int_events__identity_resolution') }}

        ),

        applied as (

            select * from {{ applied_resolution }}

        ),

        changed_keys as (

            select coalesce(resolution.identity_key, applied.identity_key) as identity_key
            from resolution
            full outer join applied
                on resolution.identity_key = applied.identity_key
            where
                resolution.identity_key is null
                or applied.identity_key is null
                -- ids are never empty: '' stands for null
                or coalesce(resolution.contact_id, '') <> coalesce(applied.contact_id, '')
                or coalesce(resolution.account_id, '') <> coalesce(applied.account_id, '')

        ),

    {% endif %}

    changed_days as (

        {% if applied_exists %}
            {{ events_days_differing_from(ref('int_events__daily_manifest')) }}
            union
            select daily.event_date
            from {{ ref('int_events__daily_resolved') }} as daily
            inner join changed_keys
                on daily.identity_key = changed_keys.identity_key
        {% else %}
            select event_date from {{ ref('int_events__daily_manifest') }}
        {% endif %}

    ),

{% endif %}

daily as (

    select daily.*
    from {{ ref('int_events__daily_resolved') }} as daily
    {% if is_incremental() %}
        inner join changed_days
            on daily.event_date = changed_days.event_date
    {% endif %}

),

aggregated as (

    select
        contact_id,
        account_id,
        event_date,
        event_month,
        event_type,
        cast(sum(event_count) as {{ dbt.type_bigint() }}) as event_count,
        min(first_occurred_at) as first_occurred_at,
        max(last_occurred_at) as last_occurred_at,
        cast(sum(fingerprint_sum_a) as {{ dbt.type_bigint() }}) as fingerprint_sum_a,
        cast(sum(fingerprint_sum_b) as {{ dbt.type_bigint() }}) as fingerprint_sum_b
    from daily
    group by
        contact_id,
        account_id,
        event_date,
        event_month,
        event_type

),

final as (

    select
        {{ dbt.hash(dbt.concat([
            "coalesce(contact_id, '')", "'|'",
            "coalesce(account_id, '')", "'|'",
            dbt.cast('event_date', dbt.type_string()), "'|'",
            "event_type",
        ])) }} as activity_key,
        contact_id,
        account_id,
        event_date,
        event_type,
        event_count,
        first_occurred_at,
        last_occurred_at,

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
