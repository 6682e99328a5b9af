{#- Demographic attributes of each canonical contact, as of var('as_of_date'), as bands:
    the exact birth date, age, household size and income are read from staging to compute
    the bands and are not published (docs/privacy.md).
    Thresholds: vars income_band_middle_min (30000), income_band_upper_middle_min
    (75000) and income_band_high_min (150000), in the reporting currency. -#}
{%- set income_middle_min = var('income_band_middle_min', 30000) -%}
{%- set income_upper_middle_min = var('income_band_upper_middle_min', 75000) -%}
{%- set income_high_min = var('income_band_high_min', 150000) -%}

with identity as (

    select * from {{ ref('int_contacts__identity') }}

),

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

job_title_matches as (

    select * from {{ ref('int_contacts__job_title_match') }}

),

canonical_contacts as (

    select
        identity.contact_id,
        identity.account_id,
        identity.duplicate_count,
        contacts.birth_date,
        contacts.gender,
        contacts.marital_status,
        contacts.household_size,
        contacts.annual_income_reporting,
        job_title_matches.job_title,
        job_title_matches.job_function,
        -- a birth date after the as-of date is not a usable age
        case
            when contacts.birth_date <= {{ as_of_date() }}
                then {{ attributes_age_in_years('contacts.birth_date', as_of_date()) }}
        end as age
    from identity
    inner join contacts
        on identity.contact_id = contacts.contact_id
    left join job_title_matches
        on identity.contact_id = job_title_matches.contact_id
    where identity.is_canonical

),

banded as (

    select
        -- ids
        contact_id,
        account_id,

        -- age (band only)
        case
            when age is null then 'unknown'
            when age < 18 then 'under_18'
            when age < 25 then '18-24'
            when age < 35 then '25-34'
            when age < 45 then '35-44'
            when age < 55 then '45-54'
            when age < 65 then '55-64'
            else '65+'
        end as age_band,

        -- person
        coalesce(gender, 'unknown') as gender,
        coalesce(marital_status, 'unknown') as marital_status,

        -- household (band only)
        case
            when household_size is null then 'unknown'
            when household_size <= 1 then 'single'
            when household_size = 2 then 'couple'
            when household_size <= 4 then 'small_family'
            else 'large_family'
        end as household_size_band,

        -- income (band only)
        case
            when annual_income_reporting is null then 'unknown'
            when annual_income_reporting < {{ income_middle_min }} then 'low'
            when annual_income_reporting < {{ income_upper_middle_min }} then 'middle'
            when annual_income_reporting < {{ income_high_min }} then 'upper_middle'
            else 'high'
        end as income_band,

        -- occupation
        job_title,
        coalesce(job_function, 'unknown') as job_function,

        -- flags
        account_id is null as is_consumer,
        duplicate_count

    from canonical_contacts

)

select * from banded
