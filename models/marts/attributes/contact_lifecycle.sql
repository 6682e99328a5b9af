{#- Lifecycle stage of each canonical contact as of the as-of date. Only facts strictly
    before as_of_cutoff() count. Precedence (first that applies wins):
    1. customer: the account has a running paid subscription (active or past_due, started
       before the cutoff, no end or an end on/after the cutoff), or a purchase or won deal
       within var('lifecycle_customer_active_days', 365) days; or the CRM says customer and
       the data holds no customer evidence at all (billing outside our sources).
    2. former_customer: past customer evidence (ended subscription, older purchase or won
       deal) but nothing current, or the CRM says former_customer / customer.
    3. opportunity: an open deal on the contact, a trialing subscription on the account,
       or the CRM says opportunity.
    4. sql: contact_engagement.is_sql or the CRM says sql.
    5. mql: contact_engagement.is_mql or the CRM says mql.
    6. lead: the CRM says lead, or the contact submitted a form.
    7. subscriber: everything else (CRM subscriber or no stage). -#}
{%- set active_days = var('lifecycle_customer_active_days', 365) -%}

with identity as (

    select * from {{ ref('int_contacts__identity') }}

),

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

engagement as (

    select * from {{ ref('contact_engagement') }}

),

deals as (

    select * from {{ ref('stg_crm__deals') }}

),

subscriptions as (

    select * from {{ ref('stg_crm__subscriptions') }}

),

orders as (

    select * from {{ ref('int_orders__net_revenue') }}

),

daily_activity as (

    select * from {{ ref('int_contacts__daily_activity') }}

),

canonical_contacts as (

    select
        identity.contact_id,
        identity.account_id,
        contacts.lifecycle_stage as crm_lifecycle_stage
    from identity
    inner join contacts
        on identity.contact_id = contacts.contact_id
    where identity.is_canonical

),

contact_deals as (

    select
        identity.canonical_contact_id as contact_id,
        max(
            case
                when not deals.is_closed or deals.closed_at >= {{ as_of_cutoff() }} then 1
                else 0
            end
        ) as has_open_deal,
        max(
            case
                when deals.deal_stage = 'closed_won' and deals.closed_at < {{ as_of_cutoff() }}
                    then deals.closed_at
            end
        ) as last_won_deal_at
    from deals
    inner join identity
        on deals.contact_id = identity.contact_id
    where deals.created_at < {{ as_of_cutoff() }}
    group by identity.canonical_contact_id

),

account_subscriptions as (

    select
        account_id,
        max(
            case
                when
                    status in ('active', 'past_due')
                    and (ended_at is null or ended_at >= {{ as_of_cutoff() }})
                    then 1
                else 0
            end
        ) as has_running_subscription,
        max(
            case
                when
                    status = 'trialing'
                    and (ended_at is null or ended_at >= {{ as_of_cutoff() }})
                    then 1
                else 0
            end
        ) as has_trial_subscription,
        max(
            case
                when status = 'cancelled' or ended_at < {{ as_of_cutoff() }} then 1 else 0
            end
        ) as has_ended_subscription
    from subscriptions
    where started_at < {{ as_of_cutoff() }}
    group by account_id

),

contact_orders as (

    select
        contact_id,
        max(ordered_at) as last_purchase_at
    from orders
    where
        is_purchase
        and contact_id is not null
        and ordered_at < {{ as_of_cutoff() }}
    group by contact_id

),

contact_forms as (

    select distinct contact_id
    from daily_activity
    where
        event_type = 'form_submit'
        and contact_id is not null
        and event_date <= {{ as_of_date() }}

),

facts as (

    select
        canonical_contacts.contact_id,
        canonical_contacts.account_id,
        canonical_contacts.crm_lifecycle_stage,
        coalesce(account_subscriptions.has_running_subscription, 0) = 1
            as has_running_subscription,
        coalesce(account_subscriptions.has_trial_subscription, 0) = 1 as has_trial_subscription,
        coalesce(account_subscriptions.has_ended_subscription, 0) = 1 as has_ended_subscription,
        coalesce(contact_deals.has_open_deal, 0) = 1 as has_open_deal,
        contact_deals.last_won_deal_at,
        contact_orders.last_purchase_at,
        {{ dbt.datediff(
            'cast(contact_orders.last_purchase_at as date)',
            as_of_date(),
            'day',
        ) }} as days_since_last_purchase,
        {{ dbt.datediff(
            'cast(contact_deals.last_won_deal_at as date)',
            as_of_date(),
            'day',
        ) }} as days_since_last_won_deal,
        contact_forms.contact_id is not null as has_form_submit,
        coalesce(engagement.is_mql, false) as is_mql,
        coalesce(engagement.is_sql, false) as is_sql
    from canonical_contacts
    left join account_subscriptions
        on canonical_contacts.account_id = account_subscriptions.account_id
    left join contact_deals
        on canonical_contacts.contact_id = contact_deals.contact_id
    left join contact_orders
        on canonical_contacts.contact_id = contact_orders.contact_id
    left join contact_forms
        on canonical_contacts.contact_id = contact_forms.contact_id
    left join engagement
        on canonical_contacts.contact_id = engagement.contact_id

),

evidence as (

    select
        facts.*,
        (
            facts.has_running_subscription
            or coalesce(facts.days_since_last_purchase <= {{ active_days }}, false)
            or coalesce(facts.days_since_last_won_deal <= {{ active_days }}, false)
        ) as has_current_customer_evidence,
        (
            facts.has_ended_subscription
            or facts.last_purchase_at is not null
            or facts.last_won_deal_at is not null
        ) as has_past_customer_evidence
    from facts

),

staged as (

    select
        evidence.*,
        case
            when evidence.has_current_customer_evidence then 'customer'
            when
                evidence.crm_lifecycle_stage = 'customer'
                and not evidence.has_past_customer_evidence
                then 'customer'
            when
                evidence.has_past_customer_evidence
                or evidence.crm_lifecycle_stage in ('customer', 'former_customer')
                then 'former_customer'
            when
                evidence.has_open_deal
                or evidence.has_trial_subscription
                or evidence.crm_lifecycle_stage = 'opportunity'
                then 'opportunity'
            when evidence.is_sql or evidence.crm_lifecycle_stage = 'sql' then 'sql'
            when evidence.is_mql or evidence.crm_lifecycle_stage = 'mql' then 'mql'
            when evidence.has_form_submit or evidence.crm_lifecycle_stage = 'lead' then 'lead'
            else 'subscriber'
        end as lifecycle_stage
    from evidence

),

final as (

    select
        -- ids
        contact_id,
        account_id,

        -- stage
        lifecycle_stage,
        crm_lifecycle_stage,

        -- evidence
        has_current_customer_evidence,
        has_past_customer_evidence,
        has_running_subscription,
        has_trial_subscription,
        has_ended_subscription,
        has_open_deal,
        last_won_deal_at,
        last_purchase_at,
        days_since_last_purchase,
        has_form_submit,
        is_mql,
        is_sql,

        -- classification
        case lifecycle_stage
            when 'subscriber' then 1
            when 'lead' then 2
            when 'mql' then 3
            when 'sql' then 4
            when 'opportunity' then 5
            when 'customer' then 6
            else 7
        end as lifecycle_stage_order,
        lifecycle_stage = 'customer' as is_customer,
        case when lifecycle_stage = 'customer' then 'customer' else 'prospect' end
            as customer_type

    from staged

)

select * from final
