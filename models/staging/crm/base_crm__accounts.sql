{#- One row per raw CRM account row: raw text kept as raw_<column>, typed and
    normalised columns under their staging names, and reject_reason (null = staged).
    The columns are declared once below as specs; macros/staging_columns.sql turns them into
    columns and checks. Checks in priority order (the first failing one wins):
      1 missing_required_field  account_id blank; annual_revenue given without revenue_currency
      2 invalid_id              account_id not 1-64 letters, digits, _ - .
      3 invalid_number          employee_count not a whole number >= 0, annual_revenue not a
                                finite number ('NaN', 'Infinity', '1e309' are invalid)
      4 non_positive_amount     annual_revenue < 0
      5 out_of_range            employee_count above var plausible_max_employee_count,
                                annual_revenue (in the reporting currency) above
                                plausible_max_amount, created_at / updated_at before
                                plausible_min_timestamp
      6 unknown_currency        revenue_currency not in the fx_rates seed
      7 unknown_country         country given but not in the country_aliases seed
      8 invalid_timestamp       created_at / updated_at given but not parseable (a UTC offset
                                is converted; a malformed one or beyond +-14:00 is invalid)
      9 future_timestamp        created_at / updated_at later than the row's _loaded_at
     10 duplicate               valid, but another valid row with the same account_id wins
                                (latest updated_at, then latest _loaded_at, then row hash) -#}

{%- set columns = [
    {'name': 'account_id', 'type': 'id', 'required': true},
    {'name': 'account_name', 'type': 'text'},
    {'name': 'website_domain', 'type': 'text', 'as': 'website_text', 'case': 'lower'},
    {'name': 'industry', 'type': 'text', 'snake': true},
    {
        'name': 'employee_count', 'type': 'integer', 'min': 0,
        'max': 'plausible_max_employee_count',
    },
    {
        'name': 'annual_revenue', 'type': 'amount', 'sign': 'non_negative',
        'max': 'plausible_max_amount', 'rate': 'revenue_units_per_usd',
    },
    {'name': 'revenue_currency', 'type': 'currency', 'lookup': 'revenue_units_per_usd'},
    {'name': 'country', 'type': 'country', 'as': 'country_alias', 'lookup': 'country_code'},
    {'name': 'region', 'type': 'text'},
    {'name': 'city', 'type': 'text'},
    {'name': 'postal_code', 'type': 'text'},
    {'name': 'technologies', 'type': 'list'},
    {'name': 'created_at', 'type': 'timestamp'},
    {'name': 'updated_at', 'type': 'timestamp'},
] %}

with source as (

    {{ staging_source_select('crm', 'crm_accounts', columns) }}

),

country_aliases as (

    select * from {{ ref('country_aliases') }}

),

{{ staging_fx_ctes() }},

{{ staging_cleaned_cte(columns) }},

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

{{ staging_validation_ctes(columns, 'account_id', ['updated_at', '_loaded_at'], extra={
    'missing_required_field': [
        'annual_revenue is not null and revenue_currency is null'
    ],
}) }},

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
        {{ staging_reject_reason() }}

    from ranked

)

select * from final
