{#- The restricted activation view of each canonical contact: the personal fields an
    activation tool needs to reach the person (email, names, phone, postal code, language)
    next to the facts that decide whether it may (consent, deletion, unsubscribes, bounces),
    summed up in suppression_reason. It lives in the `activation` schema, apart from the
    BI-facing marts (docs/privacy.md). Unsubscribes and bounces count identified events
    strictly before as_of_cutoff().
    Suppression, first reason that applies:
      deleted       soft-deleted in the CRM
      no_consent    no marketing consent recorded
      unsubscribed  an email_unsubscribe at or after marketing_consent_at (any unsubscribe
                    when the consent time is not recorded); a consent given after the
                    latest unsubscribe overrides it
      hard_bounced  an email_bounce of the contact's current address (or of an event
                    without an email) whose bounce_type is not 'soft': a bounce of an
                    address the contact has since replaced does not count -#}

with identity as (

    select * from {{ ref('int_contacts__identity') }}

),

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

countries as (

    select * from {{ ref('countries') }}

),

identified_events as (

    select * from {{ ref('int_events__identified') }}

),

staged_events as (

    select * from {{ ref('stg_events__events') }}

),

contact_points as (

    select
        identity.contact_id,
        identity.account_id,
        contacts.first_name,
        contacts.last_name,
        contacts.phone,
        contacts.postal_code,
        contacts.country_code,
        contacts.marketing_consent_at,
        contacts.is_deleted,
        nullif(lower(trim(contacts.email_normalized)), '') as email,
        coalesce(contacts.marketing_consent, false) as marketing_consent
    from identity
    inner join contacts
        on identity.contact_id = contacts.contact_id
    where identity.is_canonical

),

-- unsubscribes and bounces with the address they concern and the kind of bounce
email_outcome_events as (

    select
        identified_events.contact_id,
        identified_events.event_type,
        identified_events.occurred_at,
        staged_events.email_normalized as event_email,
        lower(staged_events.bounce_type) as bounce_type
    from identified_events
    inner join staged_events
        on identified_events.event_id = staged_events.event_id
    where
        identified_events.contact_id is not null
        and identified_events.event_type in ('email_unsubscribe', 'email_bounce')
        and staged_events.event_type in ('email_unsubscribe', 'email_bounce')
        and identified_events.occurred_at < {{ as_of_cutoff() }}

),

email_outcomes as (

    select
        email_outcome_events.contact_id,
        max(
            case
                when email_outcome_events.event_type = 'email_unsubscribe'
                    then email_outcome_events.occurred_at
            end
        ) as last_unsubscribed_at,
        max(
            case
                when email_outcome_events.event_type = 'email_bounce'
                    then email_outcome_events.occurred_at
            end
        ) as last_bounced_at,
        max(
            case
                when
                    email_outcome_events.event_type = 'email_bounce'
                    and coalesce(email_outcome_events.bounce_type, 'hard') != 'soft'
                    and (
                        email_outcome_events.event_email is null
                        or email_outcome_events.event_email = contact_points.email
                    )
                    then email_outcome_events.occurred_at
            end
        ) as last_hard_bounced_at
    from email_outcome_events
    inner join contact_points
        on email_outcome_events.contact_id = contact_points.contact_id
    group by email_outcome_events.contact_id

),

joined as (

    select
        -- ids
        contact_points.contact_id,
        contact_points.account_id,

        -- contact points
        contact_points.email,
        {{ email_sha256('contact_points.email') }} as email_sha256,
        contact_points.first_name,
        contact_points.last_name,
        contact_points.phone,
        contact_points.postal_code,

        -- locale
        contact_points.country_code,
        countries.language_code,

        -- permission
        contact_points.marketing_consent,
        contact_points.marketing_consent_at,
        contact_points.is_deleted,
        email_outcomes.last_unsubscribed_at is not null as has_unsubscribed,
        email_outcomes.last_unsubscribed_at,
        email_outcomes.last_bounced_at is not null as has_bounced,
        email_outcomes.last_bounced_at,
        email_outcomes.last_hard_bounced_at,
        case
            when contact_points.is_deleted then 'deleted'
            when not contact_points.marketing_consent then 'no_consent'
            when
                email_outcomes.last_unsubscribed_at >= coalesce(
                    contact_points.marketing_consent_at, email_outcomes.last_unsubscribed_at
                )
                then 'unsubscribed'
            when email_outcomes.last_hard_bounced_at is not null then 'hard_bounced'
        end as suppression_reason,
        {{ as_of_date() }} as as_of_date

    from contact_points
    left join countries
        on contact_points.country_code = countries.country_code
    left join email_outcomes
        on contact_points.contact_id = email_outcomes.contact_id

)

select * from joined
