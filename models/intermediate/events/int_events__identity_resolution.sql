{#- Each identity key of the events (int_events__identity_keys) resolved to its canonical
    contact and account: the only place events are resolved. Contact: the key's contact_id,
    else its email matching a staged contact's email, else its anonymous_id through
    int_events__identity_map; null when none applies. Account: the identity's account,
    else properties.account_id when it is a staged account. A table rebuilt by every run
    from small tables (one row per identity key), so a later or late linking event, a CRM
    merge or an account change re-attributes every day of history at once. -#}

with identity_keys as (

    select * from {{ ref('int_events__identity_keys') }}

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
        identity_keys.identity_key,
        identity_keys.properties_account_id,
        direct_identities.canonical_contact_id as direct_contact_id,
        canonical_by_email.canonical_contact_id as email_contact_id,
        identity_map.canonical_contact_id as anonymous_contact_id,
        coalesce(
            direct_identities.canonical_contact_id,
            canonical_by_email.canonical_contact_id,
            identity_map.canonical_contact_id
        ) as resolved_contact_id
    from identity_keys
    left join identities as direct_identities
        on identity_keys.contact_id = direct_identities.contact_id
    left join canonical_by_email
        on identity_keys.email_normalized = canonical_by_email.email_normalized
    left join identity_map
        on identity_keys.anonymous_id = identity_map.anonymous_id

),

joined as (

    select
        -- ids
        resolved.identity_key,
        resolved.resolved_contact_id as contact_id,

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
