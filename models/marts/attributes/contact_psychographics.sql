{#- Psychographic attributes of each canonical contact from the lines of its purchases
    (int_orders__net_revenue.is_purchase) placed strictly before the as-of cutoff.
    Shares are null for contacts without purchased lines (or with no net spend).
    Vars: psychographics_subscription_min_share (0.5),
    psychographics_price_medium_min_share (0.25), psychographics_price_high_min_share (0.5). -#}
with identities as (

    select * from {{ ref('int_contacts__identity') }}

),

orders as (

    select * from {{ ref('int_orders__net_revenue') }}

),

order_lines as (

    select * from {{ ref('stg_shop__order_lines') }}

),

products as (

    select * from {{ ref('product_catalog') }}

),

purchased_lines as (

    select
        orders.contact_id,
        order_lines.net_amount_reporting,
        coalesce(products.is_sustainable, false) as is_sustainable,
        coalesce(products.is_subscription, false) as is_subscription,
        (order_lines.is_discounted or coalesce(products.price_band = 'budget', false))
            as is_price_sensitive
    from orders
    inner join order_lines
        on orders.order_id = order_lines.order_id
    left join products
        on order_lines.product_id = products.product_id
    where
        orders.is_purchase
        and orders.contact_id is not null
        and orders.ordered_at < {{ as_of_cutoff() }}

),

contact_totals as (

    select
        contact_id,
        count(*) as purchased_line_count,
        sum(net_amount_reporting) as net_spend,
        sum(case when is_sustainable then net_amount_reporting else 0 end)
            as sustainable_net_spend,
        sum(case when is_subscription then net_amount_reporting else 0 end)
            as subscription_net_spend,
        sum(case when is_price_sensitive then 1 else 0 end) as price_sensitive_line_count
    from purchased_lines
    group by contact_id

),

shares as (

    select
        contact_id,
        purchased_line_count,
        case
            when net_spend > 0
                then {{ round_double('sustainable_net_spend / net_spend', 6) }}
        end as sustainability_affinity,
        case
            when net_spend > 0
                then {{ round_double('subscription_net_spend / net_spend', 6) }}
        end as subscription_share,
        {{ round_double(
            'cast(price_sensitive_line_count as ' ~ type_double() ~ ') / purchased_line_count', 6
        ) }} as price_sensitivity
    from contact_totals

),

joined as (

    select
        -- ids
        identities.contact_id,

        -- shares
        shares.sustainability_affinity,
        shares.subscription_share,
        shares.price_sensitivity,
        coalesce(shares.purchased_line_count, 0) as purchased_line_count,

        -- flags and bands
        case
            when shares.subscription_share is not null
                then
                    shares.subscription_share
                    >= {{ var('psychographics_subscription_min_share', 0.5) }}
        end as prefers_subscription,
        case
            when shares.price_sensitivity is null then null
            when
                shares.price_sensitivity
                >= {{ var('psychographics_price_high_min_share', 0.5) }}
                then 'high'
            when
                shares.price_sensitivity
                >= {{ var('psychographics_price_medium_min_share', 0.25) }}
                then 'medium'
            else 'low'
        end as price_sensitivity_band

    from identities
    left join shares
        on identities.contact_id = shares.contact_id
    where identities.is_canonical

)

select * from joined
