{#- Daily activity per canonical contact, account, date and event type, resolved from
    the raw identity keys of int_events__daily_activity with the same rules as
    int_events__identified (contact_id, else email, else anonymous id; account from the
    identity, else a staged properties.account_id). A view, so a later anonymous-id
    link is reflected without rebuilding the incremental table. -#}

{{ config(materialized='view') }}

with daily_activity as (

    select * from {{ ref('int_events__daily_activity') }}

),

identities as (

    select * from {{ ref('int_contacts__identity') }}

),

identity_map as (

    select * from {{ ref('int_events__identity_map') }}

),

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

canonical_by_email as (

    select
        email_normalized,
        canonical_contact_id
    from identities
    where is_canonical and email_normalized is not null

),

resolved as (

    select
        daily_activity.event_date,
        daily_activity.event_type,
        daily_activity.properties_account_id,
        daily_activity.event_count,
        daily_activity.first_occurred_at,
        daily_activity.last_occurred_at,
        coalesce(
            direct_identities.canonical_contact_id,
            canonical_by_email.canonical_contact_id,
            identity_map.canonical_contact_id
        ) as contact_id
    from daily_activity
    left join identities as direct_identities
        on daily_activity.contact_id = direct_identities.contact_id
    left join canonical_by_email
        on daily_activity.email_normalized = canonical_by_email.email_normalized
    left join identity_map
        on daily_activity.anonymous_id = identity_map.anonymous_id

),

with_accounts as (

    select
        resolved.contact_id,
        resolved.event_date,
        resolved.event_type,
        resolved.event_count,
        resolved.first_occurred_at,
        resolved.last_occurred_at,
        coalesce(contact_identities.account_id, accounts.account_id) as account_id
    from resolved
    left join identities as contact_identities
        on resolved.contact_id = contact_identities.contact_id
    left join accounts
        on resolved.properties_account_id = accounts.account_id

),

aggregated as (

    select
        contact_id,
        account_id,
        event_date,
        event_type,
        sum(event_count) as event_count,
        min(first_occurred_at) as first_occurred_at,
        max(last_occurred_at) as last_occurred_at
    from with_accounts
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
