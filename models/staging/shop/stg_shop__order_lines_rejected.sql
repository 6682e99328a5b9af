with base_order_lines as (

    select * from {{ ref('base_shop__order_lines') }}

),

rejected as (

    select
        raw_order_line_id as order_line_id,
        raw_order_id as order_id,
        raw_product_id as product_id,
        raw_product_category as product_category,
        raw_quantity as quantity,
        raw_unit_price as unit_price,
        raw_discount_amount as discount_amount,
        raw_line_amount as line_amount,
        _loaded_at,
        reject_reason,
        version_rank
    from base_order_lines
    where reject_reason is not null

)

select * from rejected
