{#- Every staged event with its canonical contact and account. A view so that it stays
    correct when an anonymous id is linked to a contact by a later event.
    Contact resolution order: the event's contact_id, else its email matching a staged
    contact's email, else its anonymous_id through int_events__identity_map; null when
    none applies. Account: the identity's account, else properties.account_id when it
    is a staged account. -#}

{{ config(materialized='view') }}

with events as (

    select * from {{ ref('stg_events__events') }}

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
        events.*,
        direct_identities.canonical_contact_id as direct_contact_id,
        canonical_by_email.canonical_contact_id as email_contact_id,
        identity_map.canonical_contact_id as anonymous_contact_id,
        coalesce(
            direct_identities.canonical_contact_id,
            canonical_by_email.canonical_contact_id,
            identity_map.canonical_contact_id
        ) as resolved_contact_id
    from events
    left join identities as direct_identities
        on events.contact_id = direct_identities.contact_id
    left join canonical_by_email
        on events.email_normalized = canonical_by_email.email_normalized
    left join identity_map
        on events.anonymous_id = identity_map.anonymous_id

),

joined as (

    select
        -- ids
        resolved.event_id,
        resolved.resolved_contact_id as contact_id,

        -- event
        resolved.event_type,
        resolved.url,
        resolved.content_topic,
        resolved.campaign,
        resolved.feature,
        resolved.ticket_priority,

        -- timestamps
        resolved.occurred_at,
        resolved.event_date,

        -- resolution
        coalesce(contact_identities.account_id, accounts.account_id) as account_id,
        case
            when resolved.direct_contact_id is not null then 'contact_id'
            when resolved.email_contact_id is not null then 'email'
            when resolved.anonymous_contact_id is not null then 'anonymous_id'
            else 'unresolved'
        end as resolution_method

    from resolved
    left join identities as contact_identities
        on resolved.resolved_contact_id = contact_identities.contact_id
    left join accounts
        on resolved.properties_account_id = accounts.account_id

)

select * from joined
