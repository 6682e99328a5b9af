{#- Duplicate contacts (different contact ids, same email_normalized) merge into one
    identity. Canonical contact: the earliest created_at (a null created_at sorts last),
    then the lowest contact_id. The identity's account: the canonical contact's account,
    else the first non-null account_id among the duplicates in the same order. -#}
with contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

ranked as (

    select
        contact_id,
        email_normalized,
        account_id as contact_account_id,
        created_at,
        row_number() over (
            partition by email_normalized
            order by
                case when created_at is null then 1 else 0 end,
                created_at,
                contact_id
        ) as duplicate_rank,
        row_number() over (
            partition by email_normalized
            order by
                case when account_id is null then 1 else 0 end,
                case when created_at is null then 1 else 0 end,
                created_at,
                contact_id
        ) as account_rank,
        count(*) over (partition by email_normalized) as duplicate_count
    from contacts

),

canonical_contacts as (

    select
        email_normalized,
        contact_id as canonical_contact_id
    from ranked
    where duplicate_rank = 1

),

identity_accounts as (

    select
        email_normalized,
        contact_account_id as account_id
    from ranked
    where account_rank = 1

),

joined as (

    select
        -- ids
        ranked.contact_id,
        canonical_contacts.canonical_contact_id,
        identity_accounts.account_id,
        ranked.contact_account_id,
        ranked.email_normalized,

        -- merge facts
        ranked.duplicate_rank,
        ranked.duplicate_count,
        ranked.contact_id = canonical_contacts.canonical_contact_id as is_canonical

    from ranked
    inner join canonical_contacts
        on ranked.email_normalized = canonical_contacts.email_normalized
    inner join identity_accounts
        on ranked.email_normalized = identity_accounts.email_normalized

)

select * from joined
