{#- The restricted activation view of each canonical contact: the personal fields an
    activation tool needs to reach the person (email, names, phone, language) next to the
    facts that decide whether it may (consent, deletion, unsubscribes, bounces). It lives in
    the `activation` schema, apart from the BI-facing marts (docs/privacy.md). Unsubscribes
    and bounces come from int_contacts__daily_activity, up to the as-of date. -#}

with identity as (

    select * from {{ ref('int_contacts__identity') }}

),

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

countries as (

    select * from {{ ref('countries') }}

),

daily_activity as (

    select * from {{ ref('int_contacts__daily_activity') }}

),

email_outcomes as (

    select
        contact_id,
        max(
            case when event_type = 'email_unsubscribe' then last_occurred_at end
        ) as last_unsubscribed_at,
        max(case when event_type = 'email_bounce' then last_occurred_at end) as last_bounced_at
    from daily_activity
    where
        contact_id is not null
        and event_type in ('email_unsubscribe', 'email_bounce')
        and event_date <= {{ as_of_date() }}
    group by contact_id

),

joined as (

    select
        -- ids
        identity.contact_id,
        identity.account_id,

        -- contact points
        nullif(lower(trim(contacts.email_normalized)), '') as email,
        {{ email_sha256('contacts.email_normalized') }} as email_sha256,
        contacts.first_name,
        contacts.last_name,
        contacts.phone,

        -- locale
        contacts.country_code,
        countries.language_code,

        -- permission
        coalesce(contacts.marketing_consent, false) as marketing_consent,
        contacts.is_deleted,
        email_outcomes.last_unsubscribed_at is not null as has_unsubscribed,
        email_outcomes.last_unsubscribed_at,
        email_outcomes.last_bounced_at is not null as has_bounced,
        email_outcomes.last_bounced_at,
        {{ as_of_date() }} as as_of_date

    from identity
    inner join contacts
        on identity.contact_id = contacts.contact_id
    left join countries
        on contacts.country_code = countries.country_code
    left join email_outcomes
        on identity.contact_id = email_outcomes.contact_id
    where identity.is_canonical

)

select * from joined
