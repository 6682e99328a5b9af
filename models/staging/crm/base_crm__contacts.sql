{#- One row per raw CRM contact row: raw text kept as raw_<column>, typed and
    normalised columns under their staging names, and reject_reason (null = staged).
    Checks in priority order (the first failing one wins):
      1 missing_required_field  contact_id or email blank; annual_income given without
                                income_currency
      2 invalid_id              contact_id has characters other than letters, digits, _ - .
      3 invalid_email           email without exactly one '@', with spaces, or without a
                                dot in the domain
      4 invalid_number          household_size not a whole number >= 1, annual_income not a
                                number ('n/a' is invalid)
      5 non_positive_amount     annual_income < 0
      6 unknown_currency        income_currency not in the fx_rates seed
      7 unknown_country         country given but not in the country_aliases seed
      8 invalid_value           gender, marital_status, lifecycle_stage, marketing_consent or
                                is_deleted outside its accepted values
      9 invalid_timestamp       birth_date, created_at or updated_at given but not parseable
     10 future_timestamp        birth_date, created_at or updated_at later than _loaded_at
     11 orphan_foreign_key      account_id given but not a staged account
     12 duplicate               valid, but another valid row with the same contact_id wins
                                (latest updated_at, then latest _loaded_at, then row hash) -#}

with source as (

    select * from {{ source('crm', 'crm_contacts') }}

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
        contact_id as raw_contact_id,
        account_id as raw_account_id,
        email as raw_email,
        first_name as raw_first_name,
        last_name as raw_last_name,
        job_title as raw_job_title,
        phone as raw_phone,
        birth_date as raw_birth_date,
        gender as raw_gender,
        marital_status as raw_marital_status,
        household_size as raw_household_size,
        annual_income as raw_annual_income,
        income_currency as raw_income_currency,
        country as raw_country,
        city as raw_city,
        postal_code as raw_postal_code,
        time_zone as raw_time_zone,
        lifecycle_stage as raw_lifecycle_stage,
        lead_source as raw_lead_source,
        marketing_consent as raw_marketing_consent,
        created_at as raw_created_at,
        updated_at as raw_updated_at,
        is_deleted as raw_is_deleted,
        _loaded_at,

        -- ids
        {{ staging_blank_to_null('contact_id') }} as contact_id,
        {{ staging_blank_to_null('account_id') }} as account_id,

        -- person
        lower({{ staging_blank_to_null('email') }}) as email_normalized,
        {{ staging_blank_to_null('first_name') }} as first_name,
        {{ staging_blank_to_null('last_name') }} as last_name,
        {{ staging_blank_to_null('job_title') }} as job_title,
        {{ staging_blank_to_null('phone') }} as phone,
        lower({{ staging_blank_to_null('gender') }}) as gender_text,
        lower({{ staging_blank_to_null('marital_status') }}) as marital_status,
        {{ parse_integer('household_size') }} as household_size,
        {{ parse_number('annual_income') }} as annual_income,
        upper({{ staging_blank_to_null('income_currency') }}) as income_currency,

        -- geography
        lower({{ staging_blank_to_null('country') }}) as country_alias,
        {{ staging_blank_to_null('city') }} as city,
        {{ staging_blank_to_null('postal_code') }} as postal_code,
        {{ staging_blank_to_null('time_zone') }} as given_time_zone,

        -- marketing
        lower({{ staging_blank_to_null('lifecycle_stage') }}) as lifecycle_stage,
        replace(lower({{ staging_blank_to_null('lead_source') }}), ' ', '_') as lead_source,
        {{ staging_blank_to_null('marketing_consent') }} as marketing_consent_text,
        {{ parse_boolean('marketing_consent') }} as parsed_marketing_consent,
        {{ staging_blank_to_null('is_deleted') }} as is_deleted_text,
        {{ parse_boolean('is_deleted') }} as parsed_is_deleted,

        -- dates and timestamps
        {{ staging_parse_date('birth_date') }} as birth_date,
        {{ staging_parse_timestamp('created_at') }} as created_at,
        {{ staging_parse_timestamp('updated_at') }} as updated_at,

        -- validity of the text that could not be parsed
        {{ staging_is_invalid_integer('household_size') }}
            as is_invalid_household_size,
        {{ staging_is_invalid_number('annual_income') }}
            as is_invalid_annual_income,
        (
            {{ staging_blank_to_null('birth_date') }} is not null
            and {{ staging_parse_date('birth_date') }} is null
        )
        or {{ staging_is_invalid_timestamp('created_at') }}
        or {{ staging_is_invalid_timestamp('updated_at') }} as has_invalid_timestamp,

        {{ staging_row_hash([
            'contact_id', 'account_id', 'email', 'first_name', 'last_name', 'job_title', 'phone',
            'birth_date', 'gender', 'marital_status', 'household_size', 'annual_income',
            'income_currency', 'country', 'city', 'postal_code', 'time_zone', 'lifecycle_stage',
            'lead_source', 'marketing_consent', 'created_at', 'updated_at', 'is_deleted',
            '_loaded_at',
        ]) }} as row_hash

    from source

),

enriched as (

    select
        cleaned.*,
        country_aliases.country_code,
        countries.time_zone as country_time_zone,
        fx_rates.units_per_usd as income_units_per_usd,
        reporting_rate.reporting_units_per_usd,
        accounts.account_id as staged_account_id,
        case
            when cleaned.gender_text is null then 'unknown'
            when cleaned.gender_text in ('female', 'f', 'woman', 'w') then 'female'
            when cleaned.gender_text in ('male', 'm', 'man') then 'male'
            when cleaned.gender_text in (
                'non_binary', 'non-binary', 'non binary', 'nonbinary', 'nb', 'diverse', 'x'
            ) then 'non_binary'
            when cleaned.gender_text in ('unknown', 'u', 'prefer not to say') then 'unknown'
        end as gender
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

validated as (

    select
        *,
        case
            when contact_id is null or email_normalized is null then 'missing_required_field'
            when annual_income is not null and income_currency is null
                then 'missing_required_field'
            when not {{ staging_is_valid_id('contact_id') }} then 'invalid_id'
            when not {{ staging_is_valid_email('email_normalized') }} then 'invalid_email'
            when is_invalid_household_size or household_size < 1 then 'invalid_number'
            when is_invalid_annual_income then 'invalid_number'
            when annual_income < 0 then 'non_positive_amount'
            when income_currency is not null and income_units_per_usd is null
                then 'unknown_currency'
            when country_alias is not null and country_code is null then 'unknown_country'
            when gender is null then 'invalid_value'
            when marital_status not in ('single', 'married', 'divorced', 'widowed', 'partnered')
                then 'invalid_value'
            when lifecycle_stage not in (
                'subscriber', 'lead', 'mql', 'sql', 'opportunity', 'customer', 'former_customer'
            ) then 'invalid_value'
            when marketing_consent_text is not null and parsed_marketing_consent is null
                then 'invalid_value'
            when is_deleted_text is not null and parsed_is_deleted is null then 'invalid_value'
            when has_invalid_timestamp then 'invalid_timestamp'
            when
                created_at > _loaded_at
                or updated_at > _loaded_at
                or birth_date > cast(_loaded_at as date)
                then 'future_timestamp'
            when account_id is not null and staged_account_id is null then 'orphan_foreign_key'
        end as validation_reason
    from enriched

),

ranked as (

    select
        *,
        row_number() over (
            partition by validation_reason, contact_id
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
        coalesce(parsed_is_deleted, false) as is_deleted,
        account_id is null as is_consumer,
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
