{#- One row per raw CRM account row: raw text kept as raw_<column>, typed and
    normalised columns under their staging names, and reject_reason (null = staged).
    Checks in priority order (the first failing one wins):
      1 missing_required_field  account_id blank; annual_revenue given without revenue_currency
      2 invalid_id              account_id has characters other than letters, digits, _ - .
      3 invalid_number          employee_count not a whole number >= 0, annual_revenue not a number
      4 non_positive_amount     annual_revenue < 0
      5 unknown_currency        revenue_currency not in the fx_rates seed
      6 unknown_country         country given but not in the country_aliases seed
      7 invalid_timestamp       created_at / updated_at given but not parseable
      8 future_timestamp        created_at / updated_at later than the row's _loaded_at
      9 duplicate               valid, but another valid row with the same account_id wins
                                (latest updated_at, then latest _loaded_at, then row hash) -#}

with source as (

    select * from {{ source('crm', 'crm_accounts') }}

),

country_aliases as (

    select * from {{ ref('country_aliases') }}

),

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

reporting_rate as (

    select units_per_usd as reporting_units_per_usd
    from fx_rates
    where currency_code = '{{ var("reporting_currency") }}'

),

cleaned as (

    select
        -- raw text as received
        account_id as raw_account_id,
        account_name as raw_account_name,
        website_domain as raw_website_domain,
        industry as raw_industry,
        employee_count as raw_employee_count,
        annual_revenue as raw_annual_revenue,
        revenue_currency as raw_revenue_currency,
        country as raw_country,
        region as raw_region,
        city as raw_city,
        postal_code as raw_postal_code,
        technologies as raw_technologies,
        created_at as raw_created_at,
        updated_at as raw_updated_at,
        _loaded_at,

        -- ids and text
        {{ staging_blank_to_null('account_id') }} as account_id,
        {{ staging_blank_to_null('account_name') }} as account_name,
        lower({{ staging_blank_to_null('website_domain') }}) as website_text,
        replace(lower({{ staging_blank_to_null('industry') }}), ' ', '_') as industry,
        {{ staging_blank_to_null('region') }} as region,
        {{ staging_blank_to_null('city') }} as city,
        {{ staging_blank_to_null('postal_code') }} as postal_code,
        {{ staging_normalize_list('technologies') }} as technologies,
        upper({{ staging_blank_to_null('revenue_currency') }}) as revenue_currency,
        lower({{ staging_blank_to_null('country') }}) as country_alias,

        -- numerics
        {{ parse_integer('employee_count') }} as employee_count,
        {{ parse_number('annual_revenue') }} as annual_revenue,

        -- timestamps
        {{ staging_parse_timestamp('created_at') }} as created_at,
        {{ staging_parse_timestamp('updated_at') }} as updated_at,

        -- validity of the text that could not be parsed
        {{ staging_is_invalid_integer('employee_count') }}
            as is_invalid_employee_count,
        {{ staging_is_invalid_number('annual_revenue') }}
            as is_invalid_annual_revenue,
        {{ staging_is_invalid_timestamp('created_at') }}
        or {{ staging_is_invalid_timestamp('updated_at') }} as has_invalid_timestamp,

        {{ staging_row_hash([
            'account_id', 'account_name', 'website_domain', 'industry', 'employee_count',
            'annual_revenue', 'revenue_currency', 'country', 'region', 'city', 'postal_code',
            'technologies', 'created_at', 'updated_at', '_loaded_at',
        ]) }} as row_hash

    from source

),

without_scheme as (

    select
        *,
        case
            when {{ dbt.position("'://'", 'website_text') }} > 0
                then {{ dbt.split_part('website_text', "'://'", 2) }}
            else website_text
        end as website_host_path
    from cleaned

),

enriched as (

    select
        without_scheme.*,
        country_aliases.country_code,
        fx_rates.units_per_usd as revenue_units_per_usd,
        reporting_rate.reporting_units_per_usd,
        nullif(
            {{ dbt.split_part(dbt.split_part(dbt.split_part(
                "case when website_host_path like 'www.%' "
                ~ "then substring(website_host_path, 5) else website_host_path end",
                "'/'", 1), "'?'", 1), "':'", 1) }},
            ''
        ) as website_domain
    from without_scheme
    left join country_aliases
        on without_scheme.country_alias = country_aliases.alias
    left join fx_rates
        on without_scheme.revenue_currency = fx_rates.currency_code
    cross join reporting_rate

),

validated as (

    select
        *,
        case
            when account_id is null then 'missing_required_field'
            when annual_revenue is not null and revenue_currency is null
                then 'missing_required_field'
            when not {{ staging_is_valid_id('account_id') }} then 'invalid_id'
            when is_invalid_employee_count or employee_count < 0 then 'invalid_number'
            when is_invalid_annual_revenue then 'invalid_number'
            when annual_revenue < 0 then 'non_positive_amount'
            when revenue_currency is not null and revenue_units_per_usd is null
                then 'unknown_currency'
            when country_alias is not null and country_code is null then 'unknown_country'
            when has_invalid_timestamp then 'invalid_timestamp'
            when created_at > _loaded_at or updated_at > _loaded_at then 'future_timestamp'
        end as validation_reason
    from enriched

),

ranked as (

    select
        *,
        row_number() over (
            partition by validation_reason, account_id
            order by
                updated_at desc nulls last,
                _loaded_at desc nulls last,
                row_hash desc
        ) as version_rank
    from validated

),

final as (

    select
        -- raw text as received
        raw_account_id,
        raw_account_name,
        raw_website_domain,
        raw_industry,
        raw_employee_count,
        raw_annual_revenue,
        raw_revenue_currency,
        raw_country,
        raw_region,
        raw_city,
        raw_postal_code,
        raw_technologies,
        raw_created_at,
        raw_updated_at,
        _loaded_at,

        -- typed and normalised
        account_id,
        account_name,
        website_domain,
        industry,
        employee_count,
        annual_revenue,
        revenue_currency,
        {{ staging_to_reporting(
            'annual_revenue', 'revenue_units_per_usd', 'reporting_units_per_usd'
        ) }} as annual_revenue_reporting,
        country_code,
        region,
        city,
        postal_code,
        technologies,
        created_at,
        updated_at,

        -- quarantine
        row_hash,
        version_rank,
        case
            when validation_reason is not null then validation_reason
            when version_rank > 1 then 'duplicate'
        end as reject_reason

    from ranked

)

select * from final
