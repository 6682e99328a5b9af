{#- One row per raw CRM contact row: raw text kept as raw_<column>, typed and
    normalised columns under their staging names, and reject_reason (null = staged).
    The columns are declared once below as specs; macros/staging_columns.sql turns them into
    columns and checks. Checks in priority order (the first failing one wins):
      1 missing_required_field  contact_id blank; annual_income given without
                                income_currency (email is optional: a blank one is staged
                                as null, and the contact is its own identity)
      2 invalid_id              contact_id or account_id not 1-64 letters, digits, _ - .
      3 invalid_email           raw email with a control character (tab, line break...) or a
                                space inside; email without exactly one '@' or without a dot
                                in the domain
      4 invalid_number          household_size not a whole number >= 1, annual_income not a
                                finite number ('n/a', 'NaN', 'Infinity', '1e309' are invalid)
      5 non_positive_amount     annual_income < 0
      6 out_of_range            household_size above var plausible_max_household_size,
                                annual_income (in the reporting currency) above
                                plausible_max_amount, birth_date more than
                                plausible_max_age_years before _loaded_at, created_at /
                                updated_at / marketing_consent_at before
                                plausible_min_timestamp
      7 unknown_currency        income_currency not in the fx_rates seed
      8 unknown_country         country given but not in the country_aliases seed
      9 invalid_value           gender, marital_status, lifecycle_stage, marketing_consent or
                                is_deleted outside its accepted values
     10 invalid_timestamp       birth_date, marketing_consent_at, created_at or updated_at
                                given but not parseable
                                (a UTC offset is converted; a malformed one or beyond +-14:00
                                is invalid)
     11 future_timestamp        birth_date, marketing_consent_at, created_at or updated_at
                                later than _loaded_at
     12 orphan_foreign_key      account_id given but not a staged account
     13 duplicate               valid, but another valid row with the same contact_id wins
                                (latest updated_at, then latest _loaded_at, then row hash) -#}

{%- set columns = [
    {'name': 'contact_id', 'type': 'id', 'required': true},
    {'name': 'account_id', 'type': 'id', 'fk': 'staged_account_id'},
    {'name': 'email', 'type': 'email', 'as': 'email_normalized'},
    {'name': 'first_name', 'type': 'text'},
    {'name': 'last_name', 'type': 'text'},
    {'name': 'job_title', 'type': 'text'},
    {'name': 'phone', 'type': 'text'},
    {'name': 'birth_date', 'type': 'date', 'max_age': 'plausible_max_age_years'},
    {
        'name': 'gender', 'type': 'category', 'case': 'lower', 'default': 'unknown',
        'aliases': {
            'f': 'female', 'woman': 'female', 'w': 'female', 'm': 'male', 'man': 'male',
            'non-binary': 'non_binary', 'non binary': 'non_binary', 'nonbinary': 'non_binary',
            'nb': 'non_binary', 'diverse': 'non_binary', 'x': 'non_binary',
            'u': 'unknown', 'prefer not to say': 'unknown',
        },
        'accepted': ['female', 'male', 'non_binary', 'unknown'],
    },
    {
        'name': 'marital_status', 'type': 'category', 'case': 'lower',
        'accepted': ['single', 'married', 'divorced', 'widowed', 'partnered'],
    },
    {
        'name': 'household_size', 'type': 'integer', 'min': 1,
        'max': 'plausible_max_household_size',
    },
    {
        'name': 'annual_income', 'type': 'amount', 'sign': 'non_negative',
        'max': 'plausible_max_amount', 'rate': 'income_units_per_usd',
    },
    {'name': 'income_currency', 'type': 'currency', 'lookup': 'income_units_per_usd'},
    {'name': 'country', 'type': 'country', 'as': 'country_alias', 'lookup': 'country_code'},
    {'name': 'city', 'type': 'text'},
    {'name': 'postal_code', 'type': 'text'},
    {'name': 'time_zone', 'type': 'text', 'as': 'given_time_zone'},
    {
        'name': 'lifecycle_stage', 'type': 'category', 'case': 'lower',
        'accepted': [
            'subscriber', 'lead', 'mql', 'sql', 'opportunity', 'customer', 'former_customer',
        ],
    },
    {'name': 'lead_source', 'type': 'text', 'snake': true},
    {'name': 'marketing_consent', 'type': 'boolean', 'as': 'parsed_marketing_consent'},
    {'name': 'marketing_consent_at', 'type': 'timestamp'},
    {'name': 'created_at', 'type': 'timestamp'},
    {'name': 'updated_at', 'type': 'timestamp'},
    {'name': 'is_deleted', 'type': 'boolean', 'as': 'parsed_is_deleted'},
] %}

with source as (

    select * from (
        {{ staging_source_select('crm', 'crm_contacts', columns) | indent(8) }}
    ) as raw_rows
    -- erased people (docs/privacy.md) leave no row in any model
    where not {{ erasure_is_erased(erasure_raw_columns('crm_contacts')) }}

),

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

countries as (

    select * from {{ ref('countries') }}

),

country_aliases as (

    select * from {{ ref('country_aliases') }}

),

{{ staging_fx_ctes() }},

{{ staging_cleaned_cte(columns) }},

enriched as (

    select
        cleaned.*,
        country_aliases.country_code,
        countries.time_zone as country_time_zone,
        fx_rates.units_per_usd as income_units_per_usd,
        reporting_rate.reporting_units_per_usd,
        accounts.account_id as staged_account_id
    from cleaned
    left join country_aliases
        on cleaned.country_alias = country_aliases.alias
    left join countries
        on country_aliases.country_code = countries.country_code
    left join fx_rates
        on cleaned.income_currency = fx_rates.currency_code
    left join accounts
        on cleaned.account_id = accounts.account_id
    cross join reporting_rate

),

{{ staging_validation_ctes(columns, 'contact_id', ['updated_at', '_loaded_at'], extra={
    'missing_required_field': [
        'annual_income is not null and income_currency is null'
    ],
}) }},

final as (

    select
        -- raw text as received
        raw_contact_id,
        raw_account_id,
        raw_email,
        raw_first_name,
        raw_last_name,
        raw_job_title,
        raw_phone,
        raw_birth_date,
        raw_gender,
        raw_marital_status,
        raw_household_size,
        raw_annual_income,
        raw_income_currency,
        raw_country,
        raw_city,
        raw_postal_code,
        raw_time_zone,
        raw_lifecycle_stage,
        raw_lead_source,
        raw_marketing_consent,
        raw_marketing_consent_at,
        raw_created_at,
        raw_updated_at,
        raw_is_deleted,
        _loaded_at,

        -- typed and normalised
        contact_id,
        account_id,
        email_normalized,
        first_name,
        last_name,
        job_title,
        phone,
        birth_date,
        gender,
        marital_status,
        household_size,
        annual_income,
        income_currency,
        {{ staging_to_reporting(
            'annual_income', 'income_units_per_usd', 'reporting_units_per_usd'
        ) }} as annual_income_reporting,
        country_code,
        city,
        postal_code,
        coalesce(given_time_zone, country_time_zone) as time_zone,
        lifecycle_stage,
        lead_source,
        coalesce(parsed_marketing_consent, false) as marketing_consent,
        marketing_consent_at,
        coalesce(parsed_is_deleted, false) as is_deleted,
        account_id is null as is_consumer,
        created_at,
        updated_at,

        -- quarantine
        row_hash,
        version_rank,
        {{ staging_reject_reason() }}

    from ranked

)

select * from final
