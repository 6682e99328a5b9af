with base_orders as (

    select * from {{ ref('base_shop__orders') }}

),

staged as (

    select
        -- ids
        order_id,
        contact_id,
        account_id,

        -- status and money
        order_status,
        currency,
        order_amount,
        order_amount_reporting,

        -- timestamps
        ordered_at,
        updated_at,
        _loaded_at,

        -- flags
        order_status = 'refunded' as is_refunded,
        order_status = 'cancelled' as is_cancelled

    from base_orders
    where reject_reason is null

)

select * from staged
