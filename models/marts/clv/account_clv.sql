{#- CLV per account, as of var('as_of_date'). Historical: net revenue and purchase orders
    (int_orders__net_revenue.is_purchase) of every order billed to the account or placed by
    one of its contacts before the as-of cutoff. Predicted: the sum of predicted_clv of the
    account's canonical contacts (contact_clv). Tier: percent rank of account_predicted_clv
    among accounts with a positive value, cut at the contact tier vars; 'none' otherwise. -#}
with accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

orders as (

    select * from {{ ref('int_orders__net_revenue') }}

),

identities as (

    select * from {{ ref('int_contacts__identity') }}

),

contact_clv as (

    select * from {{ ref('contact_clv') }}

),

account_orders as (

    select
        account_id,
        sum(net_revenue_reporting) as account_historical_net_revenue,
        sum(case when is_purchase then 1 else 0 end) as account_historical_orders
    from orders
    where
        account_id is not null
        and ordered_at < {{ as_of_cutoff() }}
    group by account_id

),

account_predictions as (

    select
        identities.account_id,
        count(*) as account_contacts,
        sum(contact_clv.predicted_clv) as account_predicted_clv
    from contact_clv
    inner join identities
        on contact_clv.contact_id = identities.contact_id
    where identities.account_id is not null
    group by identities.account_id

),

joined as (

    select
        accounts.account_id,
        cast(
            coalesce(account_predictions.account_contacts, 0) as {{ dbt.type_bigint() }}
        ) as account_contacts,
        cast(
            coalesce(account_orders.account_historical_net_revenue, 0) as {{ type_double() }}
        ) as account_historical_net_revenue,
        cast(
            coalesce(account_orders.account_historical_orders, 0) as {{ dbt.type_bigint() }}
        ) as account_historical_orders,
        cast(
            coalesce(account_predictions.account_predicted_clv, 0) as {{ type_double() }}
        ) as account_predicted_clv
    from accounts
    left join account_orders
        on accounts.account_id = account_orders.account_id
    left join account_predictions
        on accounts.account_id = account_predictions.account_id

),

ranked as (

    select
        joined.*,
        case
            when joined.account_predicted_clv > 0
                then percent_rank() over (
                    partition by case when joined.account_predicted_clv > 0 then 1 else 0 end
                    order by {{ clv_round('joined.account_predicted_clv', 2) }}
                )
        end as account_clv_percentile
    from joined

),

final as (

    select
        -- ids
        account_id,

        -- contacts
        account_contacts,

        -- historical (reporting currency)
        account_historical_net_revenue,
        account_historical_orders,

        -- predicted
        account_predicted_clv,
        cast(account_clv_percentile as {{ type_double() }}) as account_clv_percentile,
        case
            when account_clv_percentile is null then 'none'
            when account_clv_percentile >= {{ var('clv_tier_top_percentile') }} then 'top'
            when account_clv_percentile >= {{ var('clv_tier_high_percentile') }} then 'high'
            when account_clv_percentile >= {{ var('clv_tier_medium_percentile') }} then 'medium'
            else 'low'
        end as account_clv_tier

    from ranked

)

select * from final
