{#- Daily activity per canonical contact, account, date and event type: the per-identity-key
    daily aggregates with their resolved contact and account (int_events__daily_resolved)
    summed per day. Resolution is written once, in int_events__identity_resolution; this
    model only aggregates. A table rebuilt by every run from the aggregates (not from the
    events), so a later anonymous-id link re-attributes history at once. -#}

with daily as (

    select * from {{ ref('int_events__daily_resolved') }}

),

aggregated as (

    select
        contact_id,
        account_id,
        event_date,
        event_type,
        cast(sum(event_count) as {{ dbt.type_bigint() }}) as event_count,
        min(first_occurred_at) as first_occurred_at,
        max(last_occurred_at) as last_occurred_at
    from daily
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
