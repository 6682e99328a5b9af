with base_subscriptions as (

    select * from {{ ref('base_crm__subscriptions') }}

),

staged as (

    select
        -- ids
        subscription_id,
        account_id,

        -- subscription
        plan,
        status,
        seats,
        seats_used,
        is_over_seat_limit,

        -- money
        mrr,
        currency,
        mrr_reporting,

        -- timestamps
        started_at,
        ended_at,
        _loaded_at

    from base_subscriptions
    where reject_reason is null

)

select * from staged
