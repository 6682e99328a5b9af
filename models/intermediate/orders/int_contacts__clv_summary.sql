{#- CLV inputs per customer: one row per canonical contact with at least one transaction
    (int_orders__clv_transactions) as of var('as_of_date'). Time is measured in units of
    var('clv_time_unit_days') days (default 7 = weeks):
      frequency (x)      repeat transaction days (transaction days after the first)
      recency (t_x)      time from the first to the last transaction day
      t (T)              time from the first transaction day to the as-of date
      monetary_value     mean value of the repeat transactions with a positive value (null when
                         there is none); monetary_frequency counts them (Gamma-Gamma inputs) -#}
with transactions as (

    select * from {{ ref('int_orders__clv_transactions') }}

),

customer_totals as (

    select
        contact_id,
        min(transaction_date) as first_transaction_date,
        max(transaction_date) as last_transaction_date,
        count(*) as transaction_days,
        sum(purchase_order_count) as historical_orders,
        sum(transaction_value) as historical_net_revenue,
        sum(
            case when transaction_number > 1 and is_positive_value then 1 else 0 end
        ) as monetary_frequency,
        sum(
            case when transaction_number > 1 and is_positive_value then transaction_value end
        ) as repeat_positive_value
    from transactions
    group by contact_id

),

final as (

    select
        -- ids
        contact_id,

        -- history
        first_transaction_date,
        last_transaction_date,
        cast(transaction_days as {{ dbt.type_bigint() }}) as transaction_days,
        cast(historical_orders as {{ dbt.type_bigint() }}) as historical_orders,
        cast(historical_net_revenue as {{ type_double() }}) as historical_net_revenue,

        -- BG/NBD inputs
        cast(transaction_days - 1 as {{ dbt.type_bigint() }}) as frequency,
        cast(
            {{ dbt.datediff('first_transaction_date', 'last_transaction_date', 'day') }}
            as {{ type_double() }}
        ) / {{ var('clv_time_unit_days') }} as recency,
        cast(
            {{ dbt.datediff('first_transaction_date', as_of_date(), 'day') }}
            as {{ type_double() }}
        ) / {{ var('clv_time_unit_days') }} as t,

        -- Gamma-Gamma inputs
        cast(monetary_frequency as {{ dbt.type_bigint() }}) as monetary_frequency,
        cast(repeat_positive_value as {{ type_double() }})
        / nullif(monetary_frequency, 0) as monetary_value,

        -- run settings
        {{ as_of_date() }} as as_of_date,
        cast({{ var('clv_time_unit_days') }} as {{ type_double() }}) as time_unit_days

    from customer_totals

)

select * from final
