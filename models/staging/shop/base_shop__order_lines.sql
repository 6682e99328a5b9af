{#- One row per raw order line row: raw text kept as raw_<column>, typed and normalised
    columns under their staging names, and reject_reason (null = staged).
    Checks in priority order (the first failing one wins):
      1 missing_required_field  order_line_id, order_id, product_id, quantity or unit_price
                                blank
      2 invalid_number          quantity not a whole number; unit_price, or a non-blank
                                discount_amount, not a number
      3 non_positive_amount     quantity <= 0, unit_price <= 0, discount_amount < 0, or a
                                discount larger than the line's gross amount
      4 orphan_foreign_key      order_id not a staged order (stg_shop__orders)
      5 duplicate               valid, but another valid row with the same order_line_id
                                wins (latest _loaded_at, then row hash) -#}

with source as (

    select * from {{ source('shop', 'shop_order_lines') }}

),

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

cleaned as (

    select
        -- raw text as received
        order_line_id as raw_order_line_id,
        order_id as raw_order_id,
        product_id as raw_product_id,
        product_category as raw_product_category,
        quantity as raw_quantity,
        unit_price as raw_unit_price,
        discount_amount as raw_discount_amount,
        _loaded_at,

        -- ids
        {{ staging_blank_to_null('order_line_id') }} as order_line_id,
        {{ staging_blank_to_null('order_id') }} as order_id,
        {{ staging_blank_to_null('product_id') }} as product_id,

        -- attributes
        lower({{ staging_blank_to_null('product_category') }}) as product_category,

        -- numerics (null when not parseable; an empty discount means no discount)
        case
            when not {{ staging_is_invalid_integer('quantity') }}
                then {{ parse_integer('quantity') }}
        end as quantity,
        {{ parse_number('unit_price') }} as unit_price,
        case
            when {{ staging_blank_to_null('discount_amount') }} is null then 0
            else {{ parse_number('discount_amount') }}
        end as discount_amount,
        {{ staging_blank_to_null('quantity') }} is null as is_missing_quantity,
        {{ staging_blank_to_null('unit_price') }} is null as is_missing_unit_price,
        {{ staging_is_invalid_integer('quantity') }} as is_invalid_quantity,
        {{ staging_is_invalid_number('unit_price') }}
        or {{ staging_is_invalid_number('discount_amount') }} as has_invalid_amount,

        {{ staging_row_hash([
            'order_line_id', 'order_id', 'product_id', 'product_category', 'quantity',
            'unit_price', 'discount_amount', '_loaded_at',
        ]) }} as row_hash

    from source

),

validated as (

    select
        cleaned.*,
        orders.currency,
        case
            when
                cleaned.order_line_id is null
                or cleaned.order_id is null
                or cleaned.product_id is null
                or cleaned.is_missing_quantity
                or cleaned.is_missing_unit_price
                then 'missing_required_field'
            when cleaned.is_invalid_quantity or cleaned.has_invalid_amount
                then 'invalid_number'
            when
                cleaned.quantity <= 0
                or cleaned.unit_price <= 0
                or cleaned.discount_amount < 0
                or cleaned.discount_amount > cleaned.quantity * cleaned.unit_price
                then 'non_positive_amount'
            when orders.order_id is null then 'orphan_foreign_key'
        end as validation_reason
    from cleaned
    left join orders
        on cleaned.order_id = orders.order_id

),

ranked as (

    select
        validated.*,
        row_number() over (
            partition by validated.validation_reason, validated.order_line_id
            order by
                validated._loaded_at desc nulls last,
                validated.row_hash desc
        ) as version_rank
    from validated

),

final as (

    select
        -- raw text as received
        raw_order_line_id,
        raw_order_id,
        raw_product_id,
        raw_product_category,
        raw_quantity,
        raw_unit_price,
        raw_discount_amount,
        _loaded_at,

        -- typed and normalised
        order_line_id,
        order_id,
        product_id,
        product_category,
        quantity,
        unit_price,
        discount_amount,
        currency,

        -- quarantine
        row_hash,
        version_rank,
        case
            when validation_reason is not null then validation_reason
            when version_rank > 1 then 'duplicate'
        end as reject_reason

    from ranked

)

select * from final
