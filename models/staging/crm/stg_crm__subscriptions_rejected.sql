with base_subscriptions as (

    select * from {{ ref('base_crm__subscriptions') }}

),

rejected as (

    select
        raw_subscription_id as subscription_id,
        raw_account_id as account_id,
        raw_plan as plan,
        raw_seats as seats,
        raw_seats_used as seats_used,
        raw_mrr as mrr,
        raw_currency as currency,
        raw_started_at as started_at,
        raw_ended_at as ended_at,
        raw_status as status,
        _loaded_at,
        reject_reason,
        version_rank
    from base_subscriptions
    where reject_reason is not null

)

select * from rejected
