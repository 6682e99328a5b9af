{#- One row per identity key seen on staged events: the identifiers an event carries
    (contact_id, email_normalized, anonymous_id) and its properties.account_id, with the
    number of events and the earliest of them (occurred_at, then event_id). Rebuilt by every
    run from int_events__daily_by_key (an aggregate of an aggregate): identity is resolved on
    these few rows, not on the events. -#}

with daily as (

    select * from {{ ref('int_events__daily_by_key') }}

),

final as (

    select
        -- ids
        identity_key,
        contact_id,
        email_normalized,
        anonymous_id,
        properties_account_id,

        -- facts
        cast(sum(event_count) as {{ dbt.type_bigint() }}) as event_count,
        min(first_occurred_at) as first_occurred_at,
        {{ first_by('first_event_id', 'first_occurred_at', 'first_event_id') }} as first_event_id

    from daily
    group by
        identity_key,
        contact_id,
        email_normalized,
        anonymous_id,
        properties_account_id

)

select * from final
