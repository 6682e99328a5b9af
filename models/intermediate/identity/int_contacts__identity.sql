{#- Duplicate contacts (different contact ids, same email_normalized) merge into one
    identity. Only an email can merge contacts: a contact without an email is its own
    identity, and so is every contact of a placeholder email (an email shared by at least
    var('identity_placeholder_email_min_contacts') staged contacts, e.g. a shop's
    "noemail@shop.example" on every record; the build warns about each one). Canonical
    contact: the earliest created_at (a null created_at sorts last), then the lowest
    contact_id. The identity's account: the canonical contact's account, else the first
    non-null account_id among the duplicates in the same order. -#}
with contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

email_counts as (

    select
        email_normalized,
        count(*) as email_contact_count
    from contacts
    where email_normalized is not null
    group by email_normalized

),

keyed as (

    select
        contacts.contact_id,
        contacts.email_normalized,
        contacts.account_id as contact_account_id,
        contacts.created_at,
        coalesce(
            email_counts.email_contact_count
            >= {{ var('identity_placeholder_email_min_contacts') }},
            false
        ) as is_placeholder_email
    from contacts
    left join email_counts
        on contacts.email_normalized = email_counts.email_normalized

),

merge_keys as (

    select
        keyed.*,
        case
            when not keyed.is_placeholder_email then keyed.email_normalized
        end as merge_email,
        {#- an email holds an '@', a contact id never does: the two kinds of key cannot meet -#}
        case
            when keyed.email_normalized is not null and not keyed.is_placeholder_email
                then keyed.email_normalized
            else {{ dbt.concat(["'contact:'", 'keyed.contact_id']) }}
        end as merge_key
    from keyed

),

ranked as (

    select
        contact_id,
        email_normalized,
        merge_email,
        merge_key,
        is_placeholder_email,
        contact_account_id,
        created_at,
        row_number() over (
            partition by merge_key
            order by
                case when created_at is null then 1 else 0 end,
                created_at,
                contact_id
        ) as duplicate_rank,
        row_number() over (
            partition by merge_key
            order by
                case when contact_account_id is null then 1 else 0 end,
                case when created_at is null then 1 else 0 end,
                created_at,
                contact_id
        ) as account_rank,
        count(*) over (partition by merge_key) as duplicate_count
    from merge_keys

),

canonical_contacts as (

    select
        merge_key,
        contact_id as canonical_contact_id
    from ranked
    where duplicate_rank = 1

),

identity_accounts as (

    select
        merge_key,
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
        ranked.merge_email,

        -- merge facts
        ranked.is_placeholder_email,
        ranked.duplicate_rank,
        ranked.duplicate_count,
        ranked.contact_id = canonical_contacts.canonical_contact_id as is_canonical

    from ranked
    inner join canonical_contacts
        on ranked.merge_key = canonical_contacts.merge_key
    inner join identity_accounts
        on ranked.merge_key = identity_accounts.merge_key

)

select * from joined
