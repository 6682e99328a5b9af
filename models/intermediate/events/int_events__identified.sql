{#- Every staged event with its canonical contact and account, where event-level rows are
    needed: activation_contacts reads its unsubscribe and bounce events (a bounce counts only
    for the address it concerns and its bounce type, which the daily aggregates do not keep);
    the other marts count the per-day aggregates of int_events__daily_resolved. A view, so
    a reader filtering on event_type resolves only those events: the event's identity key (the identifiers it carries and its
    properties.account_id) looked up in int_events__identity_resolution, where the
    resolution rules live. -#}

{{ config(materialized='view') }}

with events as (

    select * from {{ ref('stg_events__events') }}

),

resolution as (

    select * from {{ ref('int_events__identity_resolution') }}

),

keyed as (

    select
        events.*,
        {{ events_identity_key(
            'events.contact_id', 'events.email_normalized', 'events.anonymous_id',
            'events.properties_account_id',
        ) }} as identity_key
    from events

),

joined as (

    select
        -- ids
        keyed.event_id,
        resolution.contact_id,

        -- event
        keyed.event_type,
        keyed.url,
        keyed.content_topic,
        keyed.campaign,
        keyed.feature,
        keyed.ticket_priority,

        -- timestamps
        keyed.occurred_at,
        keyed.event_date,

        -- resolution
        resolution.account_id,
        resolution.resolution_method

    from keyed
    inner join resolution
        on keyed.identity_key = resolution.identity_key

)

select * from joined
