with base_order_lines as (

    select * from {{ ref('base_shop__order_lines') }}

),

{{ staging_fx_ctes() }},

valid_lines as (

    select * from base_order_lines
    where reject_reason is null

),

amounts as (

    select
        valid_lines.*,
        fx_rates.units_per_usd as order_units_per_usd,
        reporting_rate.reporting_units_per_usd,
        coalesce(
            valid_lines.line_amount + valid_lines.discount_amount,
            valid_lines.quantity * valid_lines.unit_price
        ) as gross_amount,
        coalesce(
            valid_lines.line_amount,
            valid_lines.quantity * valid_lines.unit_price - valid_lines.discount_amount
        ) as net_amount
    from valid_lines
    left join fx_rates
        on valid_lines.currency = fx_rates.currency_code
    cross join reporting_rate

),

staged as (

    select
        -- ids
        order_line_id,
        order_id,
        product_id,

        -- product
        product_category,

        -- amounts in the order's currency
        quantity,
        unit_price,
        discount_amount,
        line_amount,
        gross_amount,
        net_amount,
        currency,
        discount_amount > 0 as is_discounted,

        -- amounts in the reporting currency
        '{{ var("reporting_currency") }}' as reporting_currency,
        {{ staging_to_reporting(
            'unit_price', 'order_units_per_usd', 'reporting_units_per_usd'
        ) }} as unit_price_reporting,
        {{ staging_to_reporting(
            'discount_amount', 'order_units_per_usd', 'reporting_units_per_usd'
        ) }} as discount_amount_reporting,
        {{ staging_to_reporting(
            'gross_amount', 'order_units_per_usd', 'reporting_units_per_usd'
        ) }} as gross_amount_reporting,
        {{ staging_to_reporting(
            'net_amount', 'order_units_per_usd', 'reporting_units_per_usd'
        ) }} as net_amount_reporting,

        -- timestamps
        _loaded_at,

        -- product_id found in the product_catalog seed
        is_known_product

    from amounts

)

select * from staged
