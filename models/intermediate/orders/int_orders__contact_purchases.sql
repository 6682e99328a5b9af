{#- Purchase history of each canonical contact with at least one purchase
    (int_orders__net_revenue.is_purchase) placed strictly before the as-of cutoff, with
    tie-aware RFM quintile scores among those contacts (macro behavior_quintile):
    r_score ranks recency_days descending (most recent = 5), f_score ranks frequency
    ascending, m_score ranks monetary (compared in cents) ascending. Tied values share
    one rank, the number of purchasers with a strictly worse value plus one, so equal
    histories always get equal scores: score = 1 + floor((rank - 1) * 5 / purchasers). -#}
with orders as (

    select * from {{ ref('int_orders__net_revenue') }}

),

order_lines as (

    select * from {{ ref('stg_shop__order_lines') }}

),

purchases as (

    select *
    from orders
    where
        is_purchase
        and contact_id is not null
        and ordered_at < {{ as_of_cutoff() }}

),

purchase_totals as (

    select
        contact_id,
        min(order_date) as first_purchase_date,
        max(order_date) as last_purchase_date,
        count(*) as frequency,
        sum(net_revenue_reporting) as monetary
    from purchases
    group by contact_id

),

category_spend as (

    select
        purchases.contact_id,
        order_lines.product_category,
        sum(order_lines.net_amount_reporting) as category_net_amount
    from purchases
    inner join order_lines
        on purchases.order_id = order_lines.order_id
    where order_lines.product_category is not null
    group by
        purchases.contact_id,
        order_lines.product_category

),

categories_bought as (

    select
        contact_id,
        {{ dbt.listagg('product_category', "';'", 'order by product_category') }}
            as categories_bought
    from category_spend
    group by contact_id

),

favourite_categories as (

    select
        contact_id,
        product_category as favourite_category
    from (
        select
            contact_id,
            product_category,
            row_number() over (
                partition by contact_id
                order by category_net_amount desc, product_category asc
            ) as category_rank
        from category_spend
    ) as ranked_categories
    where category_rank = 1

),

with_recency as (

    select
        purchase_totals.*,
        {{ dbt.datediff('purchase_totals.last_purchase_date', as_of_date(), 'day') }}
            as recency_days
    from purchase_totals

),

ranked as (

    select
        with_recency.*,
        rank() over (order by with_recency.recency_days desc) as recency_rank,
        rank() over (order by with_recency.frequency asc) as frequency_rank,
        rank() over (
            order by {{ clv_round('with_recency.monetary', 2) }} asc
        ) as monetary_rank,
        count(*) over () as purchaser_count
    from with_recency

),

final as (

    select
        -- ids
        ranked.contact_id,

        -- purchases
        ranked.first_purchase_date,
        ranked.last_purchase_date,
        ranked.recency_days,
        ranked.frequency,
        ranked.monetary,
        categories_bought.categories_bought,
        favourite_categories.favourite_category,

        -- scores
        {{ behavior_quintile('ranked.recency_rank', 'ranked.purchaser_count') }} as r_score,
        {{ behavior_quintile('ranked.frequency_rank', 'ranked.purchaser_count') }} as f_score,
        {{ behavior_quintile('ranked.monetary_rank', 'ranked.purchaser_count') }} as m_score

    from ranked
    left join categories_bought
        on ranked.contact_id = categories_bought.contact_id
    left join favourite_categories
        on ranked.contact_id = favourite_categories.contact_id

)

select * from final
