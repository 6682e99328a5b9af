with base_contacts as (

    select * from {{ ref('base_crm__contacts') }}

),

rejected as (

    select
        raw_contact_id as contact_id,
        raw_account_id as account_id,
        raw_email as email,
        raw_first_name as first_name,
        raw_last_name as last_name,
        raw_job_title as job_title,
        raw_phone as phone,
        raw_birth_date as birth_date,
        raw_gender as gender,
        raw_marital_status as marital_status,
        raw_household_size as household_size,
        raw_annual_income as annual_income,
        raw_income_currency as income_currency,
        raw_country as country,
        raw_city as city,
        raw_postal_code as postal_code,
        raw_time_zone as time_zone,
        raw_lifecycle_stage as lifecycle_stage,
        raw_lead_source as lead_source,
        raw_marketing_consent as marketing_consent,
        raw_marketing_consent_at as marketing_consent_at,
        raw_created_at as created_at,
        raw_updated_at as updated_at,
        raw_is_deleted as is_deleted,
        _loaded_at,
        reject_reason,
        version_rank
    from base_contacts
    where reject_reason is not null

)

select * from rejected
