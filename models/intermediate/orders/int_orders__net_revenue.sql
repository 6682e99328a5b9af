{#- Net revenue per order in the reporting currency. Amounts are the sums of the
    order's staged lines (already converted by staging); an order without staged lines takes
    its order_amount (an export of order totals; gross = net, no discount), else 0. Rule: a refunded or cancelled
    order earns nothing (net_revenue_reporting = 0) but keeps its line amounts for
    reference; an order counts as a purchase when it is neither refunded nor cancelled
    and its net amount is > 0. All orders are kept: marts filter by the as-of cutoff. -#}
with orders as (

    select * from {{ ref('stg_shop__orders') }}

),

order_lines as (

    select * from {{ ref('stg_shop__order_lines') }}

),

identities as (

    select * from {{ ref('int_contacts__identity') }}

),

line_totals as (

    select
        order_id,
        count(*) as line_count,
        sum(gross_amount_reporting) as gross_amount_reporting,
        sum(discount_amount_reporting) as discount_amount_reporting,
        sum(net_amount_reporting) as net_amount_reporting
    from order_lines
    group by order_id

),

joined as (

    select
        -- ids
        orders.order_id,
        identities.canonical_contact_id as contact_id,

        -- status
        orders.is_refunded,
        orders.is_cancelled,

        -- timestamps
        orders.ordered_at,
        cast(orders.ordered_at as date) as order_date,
        coalesce(orders.account_id, identities.account_id) as account_id,

        -- amounts (reporting currency)
        coalesce(line_totals.line_count, 0) as line_count,
        case
            when line_totals.order_id is not null then 'lines'
            when orders.order_amount_reporting is not null then 'order_amount'
            else 'none'
        end as amount_source,
        coalesce(
            line_totals.gross_amount_reporting, orders.order_amount_reporting, 0
        ) as gross_amount_reporting,
        coalesce(line_totals.discount_amount_reporting, 0) as discount_amount_reporting,
        coalesce(
            line_totals.net_amount_reporting, orders.order_amount_reporting, 0
        ) as net_amount_reporting

    from orders
    left join line_totals
        on orders.order_id = line_totals.order_id
    left join identities
        on orders.contact_id = identities.contact_id

),

final as (

    select
        joined.*,
        case
            when joined.is_refunded or joined.is_cancelled then 0
            else joined.net_amount_reporting
        end as net_revenue_reporting,
        (
            not joined.is_refunded
            and not joined.is_cancelled
            and joined.net_amount_reporting > 0
        ) as is_purchase
    from joined

)

select * from final
