with base_accounts as (

    select * from {{ ref('base_crm__accounts') }}

),

rejected as (

    select
        raw_account_id as account_id,
        raw_account_name as account_name,
        raw_website_domain as website_domain,
        raw_industry as industry,
        raw_employee_count as employee_count,
        raw_annual_revenue as annual_revenue,
        raw_revenue_currency as revenue_currency,
        raw_country as country,
        raw_region as region,
        raw_city as city,
        raw_postal_code as postal_code,
        raw_technologies as technologies,
        raw_created_at as created_at,
        raw_updated_at as updated_at,
        _loaded_at,
        reject_reason,
        version_rank
    from base_accounts
    where reject_reason is not null

)

select * from rejected
