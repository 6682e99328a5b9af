{#- One row per anonymous id linked only to erased people, as an md5 hash: the anonymous
    ids seen on raw events that carry an erased contact id or email
    (stg_privacy__erased_keys) and never on an event naming a contact id or email that is
    not erased. An anonymous id shared with someone else is kept, with its events. Reads
    the raw events (every delivery, valid or not); with nobody erased the engine can skip
    the scan (the exists filter is false). -#}

with events as (

    select * from {{ source('events', 'events') }}

),

keys as (

    select * from {{ ref('stg_privacy__erased_keys') }}

),

erased_contact_ids as (

    select key_hash from keys
    where key_type = 'contact_id'

),

erased_emails as (

    select key_hash from keys
    where key_type = 'email'

),

linking_events as (

    select
        {{ erasure_normalized_id('anonymous_id') }} as anonymous_id,
        {{ erasure_normalized_id('contact_id') }} as contact_id,
        {{ erasure_normalized_email('email') }} as email
    from events
    where
        exists (select 1 from keys)
        and {{ erasure_normalized_id('anonymous_id') }} is not null
        and (
            {{ erasure_normalized_id('contact_id') }} is not null
            or {{ erasure_normalized_email('email') }} is not null
        )

),

event_links as (

    select
        linking_events.anonymous_id,
        case
            when
                (linking_events.contact_id is null or erased_contact_ids.key_hash is not null)
                and (linking_events.email is null or erased_emails.key_hash is not null)
                then 1
            else 0
        end as links_only_erased
    from linking_events
    left join erased_contact_ids
        on {{ dbt.hash('linking_events.contact_id') }} = erased_contact_ids.key_hash
    left join erased_emails
        on {{ dbt.hash('linking_events.email') }} = erased_emails.key_hash

),

erased_anonymous_ids as (

    select anonymous_id
    from event_links
    group by anonymous_id
    having min(links_only_erased) = 1

),

final as (

    select
        {{ dbt.concat(["'anonymous_id:'", dbt.hash('anonymous_id')]) }} as erased_key_id,
        'anonymous_id' as key_type,
        {{ dbt.hash('anonymous_id') }} as key_hash
    from erased_anonymous_ids

)

select * from final
