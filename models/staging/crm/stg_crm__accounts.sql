with base_accounts as (

    select * from {{ ref('base_crm__accounts') }}

),

staged as (

    select
        -- ids
        account_id,

        -- firmographics
        account_name,
        website_domain,
        industry,
        employee_count,
        technologies,

        -- money
        annual_revenue,
        revenue_currency,
        annual_revenue_reporting,

        -- geography
        country_code,
        region,
        city,
        postal_code,

        -- timestamps
        created_at,
        updated_at,
        _loaded_at

    from base_accounts
    where reject_reason is null

)

select * from staged
