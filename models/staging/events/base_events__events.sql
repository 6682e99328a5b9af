{#- One row per raw event delivery, with its final fate. Each raw row is validated and
    fingerprinted once, here; stg_events__events (reject_reason null) and
    stg_events__events_rejected (reject_reason not null) are views over this table.

    Columns: the raw text (raw_ columns; timestamps are typed in the raw table and keep
    their names), the normalised columns and extracted JSON properties stg_events__events
    exposes, validation_reason (the row-level checks) and reject_reason (the fate). The hash
    of the raw row (row_hash) and the trimmed JSON text are not stored: both follow from
    the raw columns, and a run recomputes them for the few target rows it re-reads (stored,
    the two took a quarter of the table's bytes at 10M events).
    Row-level checks, in priority order (first failing wins):
      1 missing_required_field  event_id, occurred_at, received_at or event_type missing
      2 invalid_id              event_id, contact_id or anonymous_id not id-shaped
                                (staging_is_valid_id: letters, digits, _ - . ; at most 64)
      3 out_of_range            occurred_at or received_at before var plausible_min_timestamp
      4 invalid_value           event_type not one of the known types
      5 future_timestamp        occurred_at later than received_at + the clock skew, or
                                received_at later than the run's load time (var
                                events_load_time, empty = run start) + the clock skew
      6 malformed_json          properties given but not valid JSON
      7 orphan_foreign_key      contact_id given but not a staged contact
    Then 'duplicate': a delivery that passes every check but is not the first of its event_id
    (earliest received_at, then row_hash, then row_ordinal). An email that is not usable
    (control character or space inside, not shaped like an email) is nulled, not rejected:
    it is an optional identity hint on an event that is otherwise valid.

    Incremental (delete+insert on row_fingerprint; on Spark insert_overwrite of the
    received_month partitions a run touches). A run recomputes and re-emits:
      a) the raw rows received since the window start (macros/incremental_events.sql) and
         the raw rows without received_at;
      b) rows of the target before the window whose fate can change with no new raw row:
         orphans whose contact is now staged, staged or duplicate deliveries whose contact
         is no longer staged, future_timestamp rows (time moves on); re-validated from the
         raw columns the target keeps;
      c) every delivery in the target of an event_id of a) or b), so the duplicate ranking
         is recomputed among all deliveries of that event.
    Everything else in the target is final, except the rows of erased people
    (docs/privacy.md): a pre-hook deletes them (on Spark, their partitions are rewritten
    without them) and the raw rows that carry an erased identifier are never read. Same table as a full refresh (tested by
    tests_py/test_events_incremental.py and test_events_random_sequences.py). -#}

{{
    config(
        materialized='incremental',
        unique_key='row_fingerprint',
        incremental_strategy=incremental_strategy_for_events(),
        partition_by=incremental_events_partition_by('received_month'),
        on_schema_change='fail',
        pre_hook="{{ erasure_delete_from_this(erasure_event_columns('raw_')) }}",
    )
}}

{%- set window_start = none -%}
{%- if is_incremental() -%}
    {%- set window_start = incremental_events_window_start(
        source('events', 'events'),
        erasure_is_erased(erasure_event_columns('')),
        erasure_is_erased(erasure_event_columns('raw_')),
    ) -%}
{%- endif -%}
{#- The target rows before the window. Never materialised as a whole: each CTE that needs
    them scans the target with this filter and keeps only what it needs (at 100M events one
    shared CTE of every wide row spilled tens of GB to disk). -#}
{%- set before_window -%}
    {%- if window_start is not none -%}
        existing.received_at < {{ window_start }}
        and not {{ erasure_is_erased(erasure_event_columns('existing.raw_')) }}
    {%- else -%}
        1 = 0
    {%- endif -%}
{%- endset -%}
{#- The normalised columns, from the raw ones: computed for the checks and again after the
    window (see validated). -#}
{%- set normalized_columns = {
    'event_id': staging_blank_to_null('raw_event_id'),
    'contact_id': staging_blank_to_null('raw_contact_id'),
    'anonymous_id': staging_blank_to_null('raw_anonymous_id'),
    'email_normalized': events_email_normalized('raw_email'),
    'event_type': 'lower(' ~ staging_blank_to_null('raw_event_type') ~ ')',
    'properties': staging_blank_to_null('raw_properties'),
} -%}
{#- The raw columns row_hash covers, and the same columns as the target keeps them. -#}
{%- set row_hash_columns = [
    'event_id', 'occurred_at', 'received_at', 'contact_id', 'email',
    'anonymous_id', 'event_type', 'properties',
] -%}
{%- set existing_row_hash_columns = [] -%}
{%- for column in row_hash_columns -%}
    {%- do existing_row_hash_columns.append(
        'existing.' ~ (column if column.endswith('_at') else 'raw_' ~ column)
    ) -%}
{%- endfor -%}
{%- set max_received = dbt.dateadd(
    'minute', var('events_max_clock_skew_minutes') | int, events_load_time()
) %}

with source as (

    select * from {{ source('events', 'events') }}
    -- erased people (docs/privacy.md) leave no row in any model
    where not {{ erasure_is_erased(erasure_event_columns('')) }}
    {% if window_start is not none %}
        and (received_at >= {{ window_start }} or received_at is null)
    {% endif %}

),

staged_contact_ids as (

    select distinct contact_id from {{ ref('stg_crm__contacts') }}

),

raw_deliveries as (

    select
        event_id as raw_event_id,
        contact_id as raw_contact_id,
        email as raw_email,
        anonymous_id as raw_anonymous_id,
        event_type as raw_event_type,
        properties as raw_properties,
        occurred_at,
        received_at,
        {{ staging_row_hash(row_hash_columns) }} as row_hash
    from source

),

{% if is_incremental() %}

    revalidated_event_ids as (

        -- events of target rows whose fate can change with no new raw row (see above)
        select existing.event_id
        from {{ this }} as existing
        left join staged_contact_ids
            on existing.contact_id = staged_contact_ids.contact_id
        where
            {{ before_window }}
            and (
                existing.validation_reason = 'future_timestamp'
                or (
                    existing.validation_reason = 'orphan_foreign_key'
                    and staged_contact_ids.contact_id is not null
                )
                or (
                    existing.validation_reason is null
                    and existing.contact_id is not null
                    and staged_contact_ids.contact_id is null
                )
            )

    ),

    recomputed_event_ids as (

        select {{ normalized_columns['event_id'] }} as event_id from raw_deliveries
        union
        select event_id from revalidated_event_ids

    ),

    recomputed_existing as (

        -- every target delivery of those events, the revalidated rows among them (their
        -- event_id is never null: a row without one is missing_required_field, final)
        select
            existing.raw_event_id,
            existing.raw_contact_id,
            existing.raw_email,
            existing.raw_anonymous_id,
            existing.raw_event_type,
            existing.raw_properties,
            existing.occurred_at,
            existing.received_at,
            {{ staging_row_hash(existing_row_hash_columns) }} as row_hash
        from {{ this }} as existing
        where
            {{ before_window }}
            and existing.event_id in (select recomputed_event_ids.event_id from recomputed_event_ids)

    ),

{% endif %}

deliveries as (

    select * from raw_deliveries
    {% if is_incremental() %}
        union all
        select * from recomputed_existing
    {% endif %}

),

cleaned as (

    select
        {%- for column, expression in normalized_columns.items() %}
            {{ expression }} as {{ column }},
        {%- endfor %}
        deliveries.*
    from deliveries

),

validated as (

    {#- Only the raw columns, the hash, event_id and the verdict go on to the window below:
        the other normalised columns are cheap to recompute after it, and every column
        carried through the window is sorted (and at 100M events spilled) with it. -#}
    select
        cleaned.raw_event_id,
        cleaned.raw_contact_id,
        cleaned.raw_email,
        cleaned.raw_anonymous_id,
        cleaned.raw_event_type,
        cleaned.raw_properties,
        cleaned.occurred_at,
        cleaned.received_at,
        cleaned.row_hash,
        cleaned.event_id,
        case
            when
                cleaned.event_id is null
                or cleaned.occurred_at is null
                or cleaned.received_at is null
                or cleaned.event_type is null
                then 'missing_required_field'
            when
                not {{ staging_is_valid_id('cleaned.event_id') }}
                or not {{ staging_is_valid_id("coalesce(cleaned.contact_id, 'none')") }}
                or not {{ staging_is_valid_id("coalesce(cleaned.anonymous_id, 'none')") }}
                then 'invalid_id'
            when
                cleaned.occurred_at < {{ events_min_timestamp() }}
                or cleaned.received_at < {{ events_min_timestamp() }}
                then 'out_of_range'
            when
                cleaned.event_type not in (
                    {%- for event_type in events_known_types() %}
                        '{{ event_type }}'{{ ',' if not loop.last }}
                    {%- endfor %}
                )
                then 'invalid_value'
            when
                cleaned.occurred_at > {{ dbt.dateadd(
                    'minute',
                    var('events_max_clock_skew_minutes') | int,
                    'cleaned.received_at',
                ) }}
                or cleaned.received_at > {{ max_received }}
                then 'future_timestamp'
            when
                cleaned.properties is not null
                and not {{ json_is_valid('cleaned.properties') }}
                then 'malformed_json'
            when
                cleaned.contact_id is not null
                and staged_contact_ids.contact_id is null
                then 'orphan_foreign_key'
        end as validation_reason
    from cleaned
    left join staged_contact_ids
        on cleaned.contact_id = staged_contact_ids.contact_id

),

positioned as (

    {#- One window gives both the ordinal among byte-identical deliveries and the duplicate
        ranking. Byte-identical deliveries share event_id and verdict, so they are peers of
        one partition here (same received_at and row_hash): the ordinal is the position
        among its peers, and the position in the partition orders the deliveries by
        received_at, row_hash and that ordinal. In an incremental run a group of such
        copies is whole: they share received_at, so all are raw rows in the window or all
        are target rows re-read with their event. -#}
    select
        validated.*,
        row_number() over deliveries_of_event as delivery_position,
        rank() over deliveries_of_event as first_position_of_copies
    from validated
    window deliveries_of_event as (
        partition by validated.event_id, validated.validation_reason
        order by {{ incremental_events_delivery_order('validated') }}
    )

),

renormalized as (

    select
        positioned.*,
        {%- for column, expression in normalized_columns.items() if column != 'event_id' %}
            {{ expression }} as {{ column }},
        {%- endfor %}
        positioned.delivery_position - positioned.first_position_of_copies + 1 as row_ordinal
    from positioned

),

final as (

    select
        -- raw columns as received
        raw_event_id,
        raw_contact_id,
        raw_email,
        raw_anonymous_id,
        raw_event_type,
        raw_properties,
        occurred_at,
        received_at,

        -- normalised
        event_id,
        contact_id,
        anonymous_id,
        email_normalized,
        event_type,

        -- identity of the raw row
        row_ordinal,
        {{ dbt.hash(dbt.concat([
            "coalesce(raw_event_id, '')", "'|'",
            "coalesce(cast(received_at as " ~ dbt.type_string() ~ "), '')", "'|'",
            'row_hash', "'|'",
            'cast(row_ordinal as ' ~ dbt.type_string() ~ ')',
        ])) }} as row_fingerprint,

        -- fate
        validation_reason,
        coalesce(
            validation_reason,
            case when delivery_position > 1 then 'duplicate' end
        ) as reject_reason,

        -- properties of deliveries that passed validation (JSON checked), dates
        {%- for key, column in [
            ('url', 'url'), ('content_topic', 'content_topic'), ('campaign', 'campaign'),
            ('feature', 'feature'), ('ticket_priority', 'ticket_priority'),
            ('account_id', 'properties_account_id'), ('bounce_type', 'bounce_type'),
        ] %}
            case
                when validation_reason is null
                    then {{ json_extract_string('properties', key) }}
            end as {{ column }},
        {%- endfor %}
        cast(occurred_at as date) as event_date,
        cast({{ dbt.date_trunc('month', 'occurred_at') }} as date) as event_month,

        -- partition column on Spark (rows without received_at: 1900-01-01)
        cast({{ dbt.date_trunc(
            'month', "coalesce(received_at, cast('1900-01-01' as " ~ dbt.type_timestamp() ~ "))"
        ) }} as date) as received_month

    from renormalized

)

{{ incremental_events_select(
    'final', 'partitions_of_key', 'row_fingerprint', 'received_month',
    erasure_is_erased(erasure_event_columns('raw_')),
) }}
