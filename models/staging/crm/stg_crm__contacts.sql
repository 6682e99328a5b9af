with base_contacts as (

    select * from {{ ref('base_crm__contacts') }}

),

staged as (

    select
        -- ids
        contact_id,
        account_id,

        -- person
        email_normalized,
        first_name,
        last_name,
        job_title,
        phone,
        birth_date,
        gender,
        marital_status,
        household_size,

        -- money
        annual_income,
        income_currency,
        annual_income_reporting,

        -- geography
        country_code,
        city,
        postal_code,
        time_zone,

        -- marketing
        lifecycle_stage,
        lead_source,
        marketing_consent,
        marketing_consent_at,

        -- flags
        is_deleted,
        is_consumer,

        -- timestamps
        created_at,
        updated_at,
        _loaded_at

    from base_contacts
    where reject_reason is null

)

select * from staged
