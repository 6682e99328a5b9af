{#- One row per raw event delivery: raw columns kept as raw_<column> (timestamps are
    already typed and keep their names), normalised columns under their staging names,
    and reject_reason for the row-level checks, in priority order (first failing wins):
      1 missing_required_field  event_id, occurred_at, received_at or event_type missing
      2 invalid_value           event_type not one of the known types
      3 future_timestamp        occurred_at later than received_at + events_max_clock_skew_minutes
      4 malformed_json          properties given but not valid JSON
      5 orphan_foreign_key      contact_id given but not a staged contact
    row_ordinal numbers byte-identical deliveries (1, 2, ...), so (row_hash, row_ordinal)
    identifies a raw row. A view whose one window is partitioned by received_at (row_hash
    covers received_at, so the groups are those of row_hash alone): the incremental models'
    received_at window filter still reaches the raw table. Deduplication ('duplicate')
    happens in those models. -#}

{{ config(materialized='view') }}

{%- set event_types = [
    'page_view', 'email_sent', 'email_open', 'email_click', 'email_unsubscribe',
    'email_bounce', 'form_submit', 'product_login', 'feature_used', 'support_ticket',
] %}

with source as (

    select * from {{ source('events', 'events') }}

),

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

staged_contact_ids as (

    select distinct contact_id from contacts

),

cleaned as (

    select
        -- raw text as received
        event_id as raw_event_id,
        contact_id as raw_contact_id,
        email as raw_email,
        anonymous_id as raw_anonymous_id,
        event_type as raw_event_type,
        properties as raw_properties,

        -- ids
        {{ staging_blank_to_null('event_id') }} as event_id,
        {{ staging_blank_to_null('contact_id') }} as contact_id,
        {{ staging_blank_to_null('anonymous_id') }} as anonymous_id,

        -- attributes
        lower({{ staging_blank_to_null('email') }}) as email_normalized,
        lower({{ staging_blank_to_null('event_type') }}) as event_type,
        {{ staging_blank_to_null('properties') }} as properties,

        -- timestamps (typed in the raw table)
        occurred_at,
        received_at,

        {{ staging_row_hash([
            'event_id', 'occurred_at', 'received_at', 'contact_id', 'email',
            'anonymous_id', 'event_type', 'properties',
        ]) }} as row_hash

    from source

),

validated as (

    select
        cleaned.*,
        case
            when
                cleaned.event_id is null
                or cleaned.occurred_at is null
                or cleaned.received_at is null
                or cleaned.event_type is null
                then 'missing_required_field'
            when
                cleaned.event_type not in (
                    {%- for event_type in event_types %}
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
                then 'future_timestamp'
            when
                cleaned.properties is not null
                and not {{ json_is_valid('cleaned.properties') }}
                then 'malformed_json'
            when
                cleaned.contact_id is not null
                and staged_contact_ids.contact_id is null
                then 'orphan_foreign_key'
        end as reject_reason
    from cleaned
    left join staged_contact_ids
        on cleaned.contact_id = staged_contact_ids.contact_id

),

numbered as (

    select
        *,
        row_number() over (
            partition by received_at, row_hash
            order by received_at
        ) as row_ordinal
    from validated

)

select * from numbered
