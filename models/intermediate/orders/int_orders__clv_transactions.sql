{#- Transactions for the CLV models: one row per canonical contact and purchase day strictly
    before the as-of cutoff. Rule: every order that is neither refunded nor cancelled counts,
    whatever its amount (a zero-amount order is still a purchase occasion, as in the
    published CDNOW analyses); orders of the same contact on the same day are merged into one
    transaction whose value is the sum of their net revenue (reporting currency). Refunded and
    cancelled orders are not transactions. Only positive-value transactions feed the
    Gamma-Gamma spend model (is_positive_value). -#}
with orders as (

    select * from {{ ref('int_orders__net_revenue') }}

),

transaction_orders as (

    select *
    from orders
    where
        contact_id is not null
        and not is_refunded
        and not is_cancelled
        and ordered_at < {{ as_of_cutoff() }}

),

transaction_days as (

    select
        contact_id,
        order_date as transaction_date,
        count(*) as order_count,
        sum(case when is_purchase then 1 else 0 end) as purchase_order_count,
        sum(net_revenue_reporting) as transaction_value
    from transaction_orders
    group by
        contact_id,
        order_date

),

final as (

    select
        -- ids
        contact_id,
        transaction_date,

        -- orders and value
        order_count,
        purchase_order_count,
        cast(transaction_value as {{ type_double() }}) as transaction_value,
        transaction_value > 0 as is_positive_value,

        -- position in the contact's history (1 = first transaction)
        row_number() over (
            partition by contact_id
            order by transaction_date
        ) as transaction_number

    from transaction_days

)

select * from final
