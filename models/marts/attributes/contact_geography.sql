{#- Geographic attributes of each canonical contact. The full postal code is read to derive
    postal_area and urbanity and is not published (docs/privacy.md). postal_area is the first
    var('postal_area_length', 3) characters of the upper-cased postal code. Urbanity
    comes from seed urbanity_rules: a rule matches when its country equals the
    contact's country, its city is empty or equals lower(trim(city)), and its
    postal_prefix is empty or starts upper(trim(postal_code)); the lowest priority wins
    (city rules 10 before postal-prefix rules 20), ties by rule_id; no match is
    'unknown'. -#}
{%- set postal_area_length = var('postal_area_length', 3) -%}

with identity as (

    select * from {{ ref('int_contacts__identity') }}

),

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

countries as (

    select * from {{ ref('countries') }}

),

urbanity_rules as (

    select * from {{ ref('urbanity_rules') }}

),

canonical_contacts as (

    select
        identity.contact_id,
        contacts.country_code,
        contacts.city,
        contacts.postal_code,
        nullif(contacts.time_zone, '') as contact_time_zone,
        nullif(lower(trim(contacts.city)), '') as city_normalized,
        nullif(upper(trim(contacts.postal_code)), '') as postal_code_normalized
    from identity
    inner join contacts
        on identity.contact_id = contacts.contact_id
    where identity.is_canonical

),

urbanity_matches as (

    select
        canonical_contacts.contact_id,
        urbanity_rules.rule_id,
        urbanity_rules.urbanity,
        row_number() over (
            partition by canonical_contacts.contact_id
            order by urbanity_rules.priority, urbanity_rules.rule_id
        ) as match_rank
    from canonical_contacts
    inner join urbanity_rules
        on canonical_contacts.country_code = urbanity_rules.country_code
    where
        (
            nullif(urbanity_rules.city, '') is null
            or urbanity_rules.city = canonical_contacts.city_normalized
        )
        and (
            nullif(urbanity_rules.postal_prefix, '') is null
            or {{ attributes_starts_with(
                'canonical_contacts.postal_code_normalized', 'urbanity_rules.postal_prefix'
            ) }}
        )

),

best_urbanity as (

    select * from urbanity_matches
    where match_rank = 1

),

joined as (

    select
        -- ids
        canonical_contacts.contact_id,

        -- country
        canonical_contacts.country_code,
        countries.country_name,
        coalesce(countries.region, 'unknown') as region,
        countries.subregion,
        countries.language_code,
        countries.currency_code,
        coalesce(canonical_contacts.contact_time_zone, countries.time_zone) as time_zone,

        -- place (the full postal code stays in staging: docs/privacy.md)
        canonical_contacts.city,
        substr(canonical_contacts.postal_code_normalized, 1, {{ postal_area_length }})
            as postal_area,
        coalesce(best_urbanity.urbanity, 'unknown') as urbanity,
        best_urbanity.rule_id as urbanity_rule_id

    from canonical_contacts
    left join countries
        on canonical_contacts.country_code = countries.country_code
    left join best_urbanity
        on canonical_contacts.contact_id = best_urbanity.contact_id

)

select * from joined
