{#- Daily activity per canonical contact, account, date and event type: the identified
    events (int_events__identified) counted per day. The event -> contact and account
    resolution is written once, in int_events__identified; this model only aggregates.
    A table rebuilt by every run (the folder default), so a later anonymous-id link is
    reflected as soon as int_events__identified is rebuilt, and the data tests and
    contact_behavior read the aggregate instead of recomputing it. -#}

with events as (

    select * from {{ ref('int_events__identified') }}

),

aggregated as (

    select
        contact_id,
        account_id,
        event_date,
        event_type,
        count(*) as event_count,
        min(occurred_at) as first_occurred_at,
        max(occurred_at) as last_occurred_at
    from events
    group by
        contact_id,
        account_id,
        event_date,
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
        aggregated.*
    from aggregated

)

select * from final
