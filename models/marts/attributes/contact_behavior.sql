{#- Behavioural attributes of each canonical contact, as of var('as_of_date'):
    RFM (from int_orders__contact_purchases), the named RFM segment (macro
    behavior_rfm_segment), tenure, repeat rate and product usage.
    Vars: behavior_active_event_types (default product_login, feature_used, page_view),
    behavior_power_min_active_days_30 (15), behavior_regular_min_active_days_30 (5);
    light = at least one active day in the last 90 days, dormant = none. -#}
{%- set active_event_types = var(
    'behavior_active_event_types', ['product_login', 'feature_used', 'page_view']
) -%}
{%- set active_event_list = "'" ~ (active_event_types | join("', '")) ~ "'" -%}

with identities as (

    select * from {{ ref('int_contacts__identity') }}

),

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

purchases as (

    select * from {{ ref('int_orders__contact_purchases') }}

),

daily_activity as (

    select * from {{ ref('int_contacts__daily_activity') }}

),

canonical_contacts as (

    select
        identities.contact_id,
        cast(contacts.created_at as date) as created_date
    from identities
    inner join contacts
        on identities.contact_id = contacts.contact_id
    where identities.is_canonical

),

active_days as (

    select
        contact_id,
        count(distinct case
            when event_date > {{ dbt.dateadd('day', -30, as_of_date()) }} then event_date
        end) as active_days_30,
        count(distinct event_date) as active_days_90
    from daily_activity
    where
        contact_id is not null
        and event_type in ({{ active_event_list }})
        and event_date <= {{ as_of_date() }}
        and event_date > {{ dbt.dateadd('day', -90, as_of_date()) }}
    group by contact_id

),

joined as (

    select
        -- ids
        canonical_contacts.contact_id,

        -- rfm
        purchases.first_purchase_date,
        purchases.last_purchase_date,
        purchases.recency_days,
        purchases.r_score,
        purchases.f_score,
        purchases.m_score,
        purchases.categories_bought,
        purchases.favourite_category,
        coalesce(purchases.frequency, 0) as frequency,
        coalesce(purchases.monetary, 0) as monetary,
        {{ behavior_rfm_segment('purchases.r_score', 'purchases.f_score') }} as rfm_segment,

        -- tenure and repeat
        case
            when purchases.frequency > 0
                then cast(
                    cast(purchases.frequency - 1 as {{ dbt.type_numeric() }}) / purchases.frequency
                    as {{ dbt.type_numeric() }}
                )
        end as repeat_rate,
        coalesce(purchases.frequency >= 2, false) as is_repeat_customer,
        coalesce(canonical_contacts.created_date, purchases.first_purchase_date)
            as tenure_start_date,

        -- usage
        coalesce(active_days.active_days_30, 0) as active_days_30,
        coalesce(active_days.active_days_90, 0) as active_days_90

    from canonical_contacts
    left join purchases
        on canonical_contacts.contact_id = purchases.contact_id
    left join active_days
        on canonical_contacts.contact_id = active_days.contact_id

),

final as (

    select
        joined.*,
        case
            when joined.tenure_start_date <= {{ as_of_date() }}
                then {{ dbt.datediff('joined.tenure_start_date', as_of_date(), 'day') }}
        end as tenure_days,
        case
            when joined.active_days_30 >= {{ var('behavior_power_min_active_days_30', 15) }}
                then 'power'
            when joined.active_days_30 >= {{ var('behavior_regular_min_active_days_30', 5) }}
                then 'regular'
            when joined.active_days_90 >= 1 then 'light'
            else 'dormant'
        end as usage_level
    from joined

)

select * from final
