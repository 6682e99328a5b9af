with base_orders as (

    select * from {{ ref('base_shop__orders') }}

),

rejected as (

    select
        raw_order_id as order_id,
        raw_contact_id as contact_id,
        raw_account_id as account_id,
        raw_order_status as order_status,
        raw_currency as currency,
        raw_ordered_at as ordered_at,
        raw_updated_at as updated_at,
        raw_order_amount as order_amount,
        _loaded_at,
        reject_reason,
        version_rank
    from base_orders
    where reject_reason is not null

)

select * from rejected
