{#- Every canonical contact has exactly one contact_profile row and every staged account one
    account_profile row: the profiles' inner joins must never drop an entity. Returns the
    entities missing from a profile. -#}

with canonical_contacts as (

    select contact_id from {{ ref('int_contacts__identity') }}
    where is_canonical

),

accounts as (

    select account_id from {{ ref('stg_crm__accounts') }}

),

contact_profiles as (

    select contact_id from {{ ref('contact_profile') }}

),

account_profiles as (

    select account_id from {{ ref('account_profile') }}

),

missing_contacts as (

    select
        'contact' as entity_type,
        canonical_contacts.contact_id as entity_id
    from canonical_contacts
    left join contact_profiles
        on canonical_contacts.contact_id = contact_profiles.contact_id
    where contact_profiles.contact_id is null

),

missing_accounts as (

    select
        'account' as entity_type,
        accounts.account_id as entity_id
    from accounts
    left join account_profiles
        on accounts.account_id = account_profiles.account_id
    where account_profiles.account_id is null

),

missing as (

    select * from missing_contacts
    union all
    select * from missing_accounts

)

select * from missing
