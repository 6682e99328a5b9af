{#- Every staged event with its canonical contact and account.
    Contact resolution order: the event's contact_id, else its email matching a staged
    contact's email, else its anonymous_id through int_events__identity_map; null when
    none applies. Account: the identity's account, else properties.account_id when it
    is a staged account.

    A table rebuilt by every run (the folder default), not a view: the data tests and the
    marts (contact_engagement, contact_needs, contact_lifecycle, account_health,
    int_contacts__daily_activity) read it several times per build, and as a view each read
    resolved every event again. Rebuilt in full, it stays correct when an anonymous id is
    linked to a contact by a later event, as the view did. Not incremental on purpose: the
    resolution of an old event changes whenever int_events__identity_map (a later or
    late-arriving linking event), int_contacts__identity (CRM merges, emails, accounts) or
    stg_crm__accounts change, and these are rebuilt in full every run; an incremental
    model would have to find and re-resolve every event such a change touches, which
    costs about as much as this one pass of hash joins over the staged events. -#}

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
        merge_email as email_normalized,
        canonical_contact_id
    from identities
    where is_canonical and merge_email is not null

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
