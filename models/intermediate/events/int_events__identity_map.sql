{#- Anonymous id -> canonical contact. An event links its anonymous_id to a contact when
    the contact is known from the event itself: its contact_id (a staged contact), else
    its email_normalized matching a staged contact's email. Both resolve to the
    canonical contact of int_contacts__identity. When an anonymous id was seen with
    several contacts, the contact of the earliest linking event wins (occurred_at, then
    event_id). -#}
with events as (

    select * from {{ ref('stg_events__events') }}

),

identities as (

    select * from {{ ref('int_contacts__identity') }}

),

canonical_by_email as (

    select
        merge_email as email_normalized,
        canonical_contact_id
    from identities
    where is_canonical and merge_email is not null

),

linking_events as (

    select
        events.anonymous_id,
        events.event_id,
        events.occurred_at,
        coalesce(
            direct_identities.canonical_contact_id,
            canonical_by_email.canonical_contact_id
        ) as canonical_contact_id
    from events
    left join identities as direct_identities
        on events.contact_id = direct_identities.contact_id
    left join canonical_by_email
        on events.email_normalized = canonical_by_email.email_normalized
    where events.anonymous_id is not null

),

ranked_links as (

    select
        anonymous_id,
        event_id,
        occurred_at,
        canonical_contact_id,
        row_number() over (
            partition by anonymous_id
            order by occurred_at, event_id
        ) as link_rank,
        count(*) over (partition by anonymous_id) as linking_event_count
    from linking_events
    where canonical_contact_id is not null

),

identity_map as (

    select
        -- ids
        anonymous_id,
        canonical_contact_id,
        event_id as first_linking_event_id,

        -- facts
        occurred_at as first_linked_at,
        linking_event_count

    from ranked_links
    where link_rank = 1

)

select * from identity_map
