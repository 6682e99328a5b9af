{#- Firmographic and technographic attributes of each staged account.
    Employee bands are fixed (0-10 micro, 11-50 small, 51-200 medium, 201-1000
    mid_market, 1001-5000 large, 5001+ enterprise). Tunable thresholds (vars):
    segment_size_mid_market_min_employees (201), segment_size_enterprise_min_employees
    (1001), revenue_band_small_min (1e6), revenue_band_medium_min (1e7),
    revenue_band_large_min (1e8), revenue_band_enterprise_min (1e9), revenue in the
    reporting currency. -#}
{%- set mid_market_min = var('segment_size_mid_market_min_employees', 201) -%}
{%- set enterprise_min = var('segment_size_enterprise_min_employees', 1001) -%}
{%- set revenue_small_min = var('revenue_band_small_min', 1000000) -%}
{%- set revenue_medium_min = var('revenue_band_medium_min', 10000000) -%}
{%- set revenue_large_min = var('revenue_band_large_min', 100000000) -%}
{%- set revenue_enterprise_min = var('revenue_band_enterprise_min', 1000000000) -%}

with accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

countries as (

    select * from {{ ref('countries') }}

),

personas as (

    select * from {{ ref('contact_persona') }}

),

account_contacts as (

    select
        account_id,
        count(*) as contact_count,
        sum(case when is_decision_maker then 1 else 0 end) as decision_maker_count
    from personas
    where account_id is not null
    group by account_id

),

joined as (

    select
        -- ids
        accounts.account_id,
        accounts.account_name,

        -- industry
        coalesce(accounts.industry, 'unknown') as industry,

        -- size
        accounts.employee_count,
        case
            when accounts.employee_count is null then 'unknown'
            when accounts.employee_count <= 10 then 'micro'
            when accounts.employee_count <= 50 then 'small'
            when accounts.employee_count <= 200 then 'medium'
            when accounts.employee_count <= 1000 then 'mid_market'
            when accounts.employee_count <= 5000 then 'large'
            else 'enterprise'
        end as employee_band,
        case
            when accounts.employee_count is null then 'unknown'
            when accounts.employee_count < {{ mid_market_min }} then 'smb'
            when accounts.employee_count < {{ enterprise_min }} then 'mid_market'
            else 'enterprise'
        end as segment_size,

        -- revenue
        accounts.annual_revenue_reporting,
        case
            when accounts.annual_revenue_reporting is null then 'unknown'
            when accounts.annual_revenue_reporting < {{ revenue_small_min }} then 'micro'
            when accounts.annual_revenue_reporting < {{ revenue_medium_min }} then 'small'
            when accounts.annual_revenue_reporting < {{ revenue_large_min }} then 'medium'
            when accounts.annual_revenue_reporting < {{ revenue_enterprise_min }} then 'large'
            else 'enterprise'
        end as revenue_band,

        -- headquarters
        accounts.country_code as hq_country_code,
        countries.country_name as hq_country_name,
        coalesce(countries.region, 'unknown') as hq_region,
        countries.subregion as hq_subregion,

        -- technographics
        accounts.technologies,
        {{ attributes_list_length('accounts.technologies') }} as technology_count,
        {{ attributes_list_has('accounts.technologies', 'salesforce') }} as uses_salesforce,
        {{ attributes_list_has('accounts.technologies', 'hubspot') }} as uses_hubspot,
        {{ attributes_list_has('accounts.technologies', 'snowflake') }} as uses_snowflake,
        {{ attributes_list_has('accounts.technologies', 'aws') }} as uses_aws,
        {{ attributes_list_has('accounts.technologies', 'azure') }} as uses_azure,
        {{ attributes_list_has('accounts.technologies', 'gcp') }} as uses_gcp,
        {{ attributes_list_has('accounts.technologies', 'shopify') }} as uses_shopify,
        {{ attributes_list_has('accounts.technologies', 'sap') }} as uses_sap,

        -- contacts
        coalesce(account_contacts.contact_count, 0) as contact_count,
        coalesce(account_contacts.decision_maker_count, 0) as decision_maker_count

    from accounts
    left join countries
        on accounts.country_code = countries.country_code
    left join account_contacts
        on accounts.account_id = account_contacts.account_id

)

select * from joined
