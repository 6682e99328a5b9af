{#- Anonymous id -> canonical contact. An event links its anonymous_id to a contact when
    the contact is known from the event itself: its contact_id (a staged contact), else
    its email_normalized matching a staged contact's email. Both resolve to the
    canonical contact of int_contacts__identity. When an anonymous id was seen with
    several contacts, the contact of the earliest linking event wins (occurred_at, then
    event_id). Computed on int_events__identity_keys (one row per combination of
    identifiers the events carry, with its event count and earliest event), not on the
    events. -#}
with identity_keys as (

    select * from {{ ref('int_events__identity_keys') }}

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

linking_keys as (

    select
        identity_keys.anonymous_id,
        identity_keys.first_event_id,
        identity_keys.first_occurred_at,
        identity_keys.event_count,
        coalesce(
            direct_identities.canonical_contact_id,
            canonical_by_email.canonical_contact_id
        ) as canonical_contact_id
    from identity_keys
    left join identities as direct_identities
        on identity_keys.contact_id = direct_identities.contact_id
    left join canonical_by_email
        on identity_keys.email_normalized = canonical_by_email.email_normalized
    where identity_keys.anonymous_id is not null

),

ranked_links as (

    select
        anonymous_id,
        first_event_id,
        first_occurred_at,
        canonical_contact_id,
        row_number() over (
            partition by anonymous_id
            order by first_occurred_at, first_event_id
        ) as link_rank,
        cast(sum(event_count) over (partition by anonymous_id) as {{ dbt.type_bigint() }})
            as linking_event_count
    from linking_keys
    where canonical_contact_id is not null

),

identity_map as (

    select
        -- ids
        anonymous_id,
        canonical_contact_id,
        first_event_id as first_linking_event_id,

        -- facts
        first_occurred_at as first_linked_at,
        linking_event_count

    from ranked_links
    where link_rank = 1

)

select * from identity_map
