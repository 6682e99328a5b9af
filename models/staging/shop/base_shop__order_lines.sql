{#- One row per raw order line row: raw text kept as raw_<column>, typed and normalised
    columns under their staging names, and reject_reason (null = staged).
    The columns are declared once below as specs; macros/staging_columns.sql turns them into
    columns and checks. Checks in priority order (the first failing one wins):
      1 missing_required_field  order_line_id, order_id, product_id or quantity blank;
                                unit_price blank when line_amount is blank too
      2 invalid_id              order_line_id, order_id or product_id not 1-64 letters,
                                digits, _ - .
      3 invalid_number          quantity not a whole number; a non-blank unit_price,
                                discount_amount or line_amount not a finite number ('NaN',
                                'Infinity', '1e309' are invalid)
      4 non_positive_amount     quantity <= 0, unit_price <= 0, discount_amount < 0,
                                line_amount < 0, or (without line_amount) a discount larger
                                than the line's gross amount
      5 out_of_range            quantity above var plausible_max_quantity; in the reporting
                                currency, unit_price above plausible_max_unit_price,
                                discount_amount, line_amount or the gross amount above
                                plausible_max_amount
      6 orphan_foreign_key      order_id not a staged order (stg_shop__orders)
      7 duplicate               valid, but another valid row with the same order_line_id
                                wins (latest _loaded_at, then row hash)
    line_amount (optional, in the order's currency): what the line was charged after its
    discount, when the export carries it (e.g. 3 items for 10.00, not a whole number of cents
    per unit); it wins over quantity x unit_price - discount_amount, and unit_price may then be
    blank.
    A product_id missing from the product_catalog seed is staged: is_known_product = false,
    product_category from the line or 'unknown'. -#}

{%- set columns = [
    {'name': 'order_line_id', 'type': 'id', 'required': true},
    {'name': 'order_id', 'type': 'id', 'required': true, 'fk': 'staged_order_id'},
    {'name': 'product_id', 'type': 'id', 'required': true},
    {'name': 'product_category', 'type': 'text', 'case': 'lower'},
    {
        'name': 'quantity', 'type': 'integer', 'required': true, 'sign': 'positive',
        'max': 'plausible_max_quantity',
    },
    {
        'name': 'unit_price', 'type': 'amount', 'required_unless': 'line_amount', 'sign': 'positive',
        'max': 'plausible_max_unit_price', 'rate': 'order_units_per_usd',
    },
    {
        'name': 'discount_amount', 'type': 'amount', 'blank_as': 0, 'sign': 'non_negative',
        'max': 'plausible_max_amount', 'rate': 'order_units_per_usd',
    },
    {
        'name': 'line_amount', 'type': 'amount', 'sign': 'non_negative',
        'max': 'plausible_max_amount', 'rate': 'order_units_per_usd',
    },
] %}

with source as (

    select * from (
        {{ staging_source_select('shop', 'shop_order_lines', columns) | indent(8) }}
    ) as raw_rows
    -- erased people (docs/privacy.md) leave no row in any model
    where not {{ erasure_is_erased(erasure_raw_columns('shop_order_lines')) }}

),

orders as (

    select * from {{ ref('stg_shop__orders') }}

),

product_catalog as (

    select * from {{ ref('product_catalog') }}

),

{{ staging_fx_ctes() }},

{{ staging_cleaned_cte(columns) }},

enriched as (

    select
        cleaned.*,
        orders.order_id as staged_order_id,
        orders.currency,
        fx_rates.units_per_usd as order_units_per_usd,
        reporting_rate.reporting_units_per_usd,
        product_catalog.product_id is not null as is_known_product
    from cleaned
    left join orders
        on cleaned.order_id = orders.order_id
    left join fx_rates
        on orders.currency = fx_rates.currency_code
    left join product_catalog
        on cleaned.product_id = product_catalog.product_id
    cross join reporting_rate

),

{{ staging_validation_ctes(columns, 'order_line_id', ['_loaded_at'], extra={
    'non_positive_amount': ['line_amount is null and discount_amount > quantity * unit_price'],
    'out_of_range': [
        staging_to_reporting(
            'quantity * unit_price', 'order_units_per_usd', 'reporting_units_per_usd'
        ) ~ ' > ' ~ var('plausible_max_amount')
    ],
}) }},

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
        raw_line_amount,
        _loaded_at,

        -- typed and normalised
        order_line_id,
        order_id,
        product_id,
        case
            when is_known_product then product_category
            else coalesce(product_category, 'unknown')
        end as product_category,
        quantity,
        unit_price,
        discount_amount,
        line_amount,
        currency,

        -- quarantine
        row_hash,
        version_rank,
        {{ staging_reject_reason() }},

        -- product_id found in the product_catalog seed (an unknown product is staged)
        is_known_product

    from ranked

)

select * from final
