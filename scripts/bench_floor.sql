-- The benchmark floor: the key outputs of the project in one plain DuckDB script.
--
-- Reads the raw Parquet files and the reference CSV seeds directly (no dbt, no tests, no
-- quarantine tables, no incremental state) and writes three tables to the open database:
--   floor_rfm                 one row per canonical contact with a purchase: RFM scores
--   floor_contact_profile     one row per canonical contact: the profile core columns
--   floor_segment_membership  one row per (segment_id, contact_id) for 25 segments
-- Same rules as the project for everything it computes (see docs/benchmarks.md for what it
-- does and does not do). Run by scripts/bench.py; by hand:
--   set variable data_dir = '/path/to/raw';  set variable seeds_dir = '/path/to/seeds';
--   set variable as_of_date = '2026-06-30';  .read scripts/bench_floor.sql

-- ---------------------------------------------------------------- cleaning helpers
-- The staging rules for text values: timestamps in ISO form, numbers with optional thousands
-- separators, booleans in the spellings the staging models accept.
create or replace temp macro clean_timestamp(value) as
    case when regexp_matches(trim(value), '^[0-9]{4}-[0-9]{2}-[0-9]{2}')
        then try_cast(replace(replace(trim(value), 'T', ' '), 'Z', '') as timestamp)
    end;

create or replace temp macro clean_bigint(value) as
    try_cast(replace(trim(value), ',', '') as bigint);

create or replace temp macro clean_double(value) as
    try_cast(replace(trim(value), ',', '') as double);

create or replace temp macro clean_boolean(value) as
    case
        when lower(trim(value)) in ('true', 't', 'yes', 'y', '1') then true
        when lower(trim(value)) in ('false', 'f', 'no', 'n', '0') then false
    end;

-- ---------------------------------------------------------------- reference data
create or replace temp table ref_fx as
select currency_code, cast(units_per_usd as double) as units_per_usd
from read_csv(getvariable('seeds_dir') || '/fx_rates.csv', header = true, all_varchar = true);

create or replace temp table ref_country_aliases as
select alias, country_code
from read_csv(getvariable('seeds_dir') || '/country_aliases.csv', header = true, all_varchar = true);

create or replace temp table ref_countries as
select *
from read_csv(getvariable('seeds_dir') || '/countries.csv', header = true, all_varchar = true);

create or replace temp table ref_weights as
select
    component,
    signal,
    cast(weight as double) as weight,
    cast(nullif(half_life_days, '') as double) as half_life_days
from read_csv(
    getvariable('seeds_dir') || '/lead_scoring_weights.csv', header = true, all_varchar = true
);

create or replace temp table ref_content_rules as
select rule_id, url_pattern, awareness_stage, cast(priority as integer) as priority
from read_csv(getvariable('seeds_dir') || '/content_rules.csv', header = true, all_varchar = true);

create or replace temp table params as
select
    cast(getvariable('as_of_date') as date) as as_of_date,
    cast(getvariable('as_of_date') as date) + interval 1 day as as_of_cutoff,
    (select units_per_usd from ref_fx where currency_code = 'EUR') as reporting_units_per_usd;

-- ---------------------------------------------------------------- accounts (valid, latest version)
create or replace temp table accounts as
with typed as (
    select
        nullif(trim(account_id), '') as account_id,
        upper(nullif(trim(revenue_currency), '')) as revenue_currency,
        lower(nullif(trim(country), '')) as country_alias,
        nullif(trim(employee_count), '') as employee_text,
        clean_bigint(employee_count) as employee_count,
        clean_double(employee_count) as employee_double,
        nullif(trim(annual_revenue), '') as revenue_text,
        clean_double(annual_revenue) as annual_revenue,
        nullif(trim(created_at), '') as created_text,
        nullif(trim(updated_at), '') as updated_text,
        clean_timestamp(created_at) as created_at,
        clean_timestamp(updated_at) as updated_at,
        _loaded_at,
        md5(concat_ws('|', coalesce(account_id, ''), coalesce(account_name, ''),
            coalesce(website_domain, ''), coalesce(industry, ''), coalesce(employee_count, ''),
            coalesce(annual_revenue, ''), coalesce(revenue_currency, ''), coalesce(country, ''),
            coalesce(region, ''), coalesce(city, ''), coalesce(postal_code, ''),
            coalesce(technologies, ''), coalesce(created_at, ''), coalesce(updated_at, ''),
            coalesce(cast(_loaded_at as varchar), ''))) as row_hash
    from read_parquet(getvariable('data_dir') || '/crm_accounts/*.parquet')
),
valid as (
    select typed.*
    from typed
    left join ref_country_aliases on typed.country_alias = ref_country_aliases.alias
    left join ref_fx on typed.revenue_currency = ref_fx.currency_code
    where
        account_id is not null
        and not (annual_revenue is not null and revenue_currency is null)
        and regexp_matches(account_id, '^[A-Za-z0-9_.-]+$')
        and not (employee_text is not null and (employee_count is null
            or employee_double is null or employee_double <> employee_count))
        and coalesce(employee_count >= 0, true)
        and not (revenue_text is not null and annual_revenue is null)
        and coalesce(annual_revenue >= 0, true)
        and not (revenue_currency is not null and ref_fx.currency_code is null)
        and not (country_alias is not null and ref_country_aliases.country_code is null)
        and not (created_text is not null and created_at is null)
        and not (updated_text is not null and updated_at is null)
        and coalesce(created_at <= _loaded_at, true)
        and coalesce(updated_at <= _loaded_at, true)
)
select account_id
from valid
qualify row_number() over (
    partition by account_id
    order by updated_at desc nulls last, _loaded_at desc nulls last, row_hash desc
) = 1;

-- ---------------------------------------------------------------- contacts (valid, latest version)
create or replace temp table contacts as
with typed as (
    select
        nullif(trim(contact_id), '') as contact_id,
        nullif(trim(account_id), '') as account_id,
        lower(nullif(trim(email), '')) as email_normalized,
        lower(nullif(trim(gender), '')) as gender_text,
        lower(nullif(trim(marital_status), '')) as marital_status,
        nullif(trim(household_size), '') as household_text,
        clean_bigint(household_size) as household_size,
        clean_double(household_size) as household_double,
        nullif(trim(annual_income), '') as income_text,
        clean_double(annual_income) as annual_income,
        upper(nullif(trim(income_currency), '')) as income_currency,
        lower(nullif(trim(country), '')) as country_alias,
        lower(nullif(trim(lifecycle_stage), '')) as lifecycle_stage,
        nullif(trim(marketing_consent), '') as consent_text,
        clean_boolean(marketing_consent) as marketing_consent,
        nullif(trim(is_deleted), '') as deleted_text,
        clean_boolean(is_deleted) as is_deleted,
        nullif(trim(birth_date), '') as birth_text,
        case when regexp_matches(trim(birth_date), '^[0-9]{4}-[0-9]{2}-[0-9]{2}$')
            then try_cast(trim(birth_date) as date)
        end as birth_date,
        nullif(trim(created_at), '') as created_text,
        nullif(trim(updated_at), '') as updated_text,
        clean_timestamp(created_at) as created_at,
        clean_timestamp(updated_at) as updated_at,
        _loaded_at,
        md5(concat_ws('|', coalesce(contact_id, ''), coalesce(account_id, ''),
            coalesce(email, ''), coalesce(first_name, ''), coalesce(last_name, ''),
            coalesce(job_title, ''), coalesce(phone, ''), coalesce(birth_date, ''),
            coalesce(gender, ''), coalesce(marital_status, ''), coalesce(household_size, ''),
            coalesce(annual_income, ''), coalesce(income_currency, ''), coalesce(country, ''),
            coalesce(city, ''), coalesce(postal_code, ''), coalesce(time_zone, ''),
            coalesce(lifecycle_stage, ''), coalesce(lead_source, ''),
            coalesce(marketing_consent, ''), coalesce(created_at, ''), coalesce(updated_at, ''),
            coalesce(is_deleted, ''), coalesce(cast(_loaded_at as varchar), ''))) as row_hash
    from read_parquet(getvariable('data_dir') || '/crm_contacts/*.parquet')
),
gendered as (
    select
        typed.*,
        case
            when gender_text is null then 'unknown'
            when gender_text in ('female', 'f', 'woman', 'w') then 'female'
            when gender_text in ('male', 'm', 'man') then 'male'
            when gender_text in (
                'non_binary', 'non-binary', 'non binary', 'nonbinary', 'nb', 'diverse', 'x'
            ) then 'non_binary'
            when gender_text in ('unknown', 'u', 'prefer not to say') then 'unknown'
        end as gender
    from typed
),
valid as (
    select
        gendered.*,
        ref_country_aliases.country_code,
        gendered.annual_income
        * (params.reporting_units_per_usd / ref_fx.units_per_usd) as annual_income_reporting
    from gendered
    cross join params
    left join ref_country_aliases on gendered.country_alias = ref_country_aliases.alias
    left join ref_fx on gendered.income_currency = ref_fx.currency_code
    left join accounts on gendered.account_id = accounts.account_id
    where
        contact_id is not null and email_normalized is not null
        and not (annual_income is not null and income_currency is null)
        and regexp_matches(contact_id, '^[A-Za-z0-9_.-]+$')
        and coalesce(regexp_matches(email_normalized, '^[^@ ]+@[^@ ]+[.][^@ .]+$'), false)
        and not (household_text is not null and (household_size is null
            or household_double is null or household_double <> household_size))
        and coalesce(household_size >= 1, true)
        and not (income_text is not null and annual_income is null)
        and coalesce(annual_income >= 0, true)
        and not (income_currency is not null and ref_fx.currency_code is null)
        and not (country_alias is not null and ref_country_aliases.country_code is null)
        and gender is not null
        and coalesce(marital_status in ('single', 'married', 'divorced', 'widowed', 'partnered'),
            true)
        and coalesce(lifecycle_stage in (
            'subscriber', 'lead', 'mql', 'sql', 'opportunity', 'customer', 'former_customer'
        ), true)
        and not (consent_text is not null and marketing_consent is null)
        and not (deleted_text is not null and is_deleted is null)
        and not (birth_text is not null and birth_date is null)
        and not (created_text is not null and created_at is null)
        and not (updated_text is not null and updated_at is null)
        and coalesce(created_at <= _loaded_at, true)
        and coalesce(updated_at <= _loaded_at, true)
        and coalesce(birth_date <= cast(_loaded_at as date), true)
        and (gendered.account_id is null or accounts.account_id is not null)
)
select
    contact_id, account_id, email_normalized, gender, marital_status, household_size,
    annual_income_reporting, country_code, lifecycle_stage,
    coalesce(marketing_consent, false) as marketing_consent,
    coalesce(is_deleted, false) as is_deleted,
    birth_date, created_at
from valid
qualify row_number() over (
    partition by contact_id
    order by updated_at desc nulls last, _loaded_at desc nulls last, row_hash desc
) = 1;

-- ---------------------------------------------------------------- identity (merge by email)
create or replace temp table identity as
with ranked as (
    select
        contact_id,
        email_normalized,
        account_id,
        created_at,
        row_number() over (
            partition by email_normalized
            order by created_at nulls last, contact_id
        ) as duplicate_rank,
        row_number() over (
            partition by email_normalized
            order by account_id is null, created_at nulls last, contact_id
        ) as account_rank
    from contacts
),
canonical as (
    select
        email_normalized,
        max(case when duplicate_rank = 1 then contact_id end) as canonical_contact_id,
        max(case when account_rank = 1 then account_id end) as identity_account_id
    from ranked
    group by email_normalized
)
select
    ranked.contact_id,
    ranked.email_normalized,
    canonical.canonical_contact_id,
    canonical.identity_account_id as account_id,
    ranked.contact_id = canonical.canonical_contact_id as is_canonical
from ranked
inner join canonical on ranked.email_normalized = canonical.email_normalized;

-- ---------------------------------------------------------------- orders -> RFM
create or replace temp table orders as
with typed as (
    select
        nullif(trim(order_id), '') as order_id,
        nullif(trim(contact_id), '') as contact_id,
        nullif(trim(account_id), '') as account_id,
        lower(nullif(trim(order_status), '')) as order_status,
        upper(nullif(trim(currency), '')) as currency,
        nullif(trim(ordered_at), '') as ordered_text,
        nullif(trim(updated_at), '') as updated_text,
        try_cast(replace(replace(trim(ordered_at), 'T', ' '), 'Z', '') as timestamp) as ordered_at,
        coalesce(
            try_cast(replace(replace(trim(updated_at), 'T', ' '), 'Z', '') as timestamp),
            try_cast(replace(replace(trim(ordered_at), 'T', ' '), 'Z', '') as timestamp)
        ) as updated_at,
        _loaded_at,
        md5(concat_ws('|', coalesce(order_id, ''), coalesce(contact_id, ''),
            coalesce(account_id, ''), coalesce(order_status, ''), coalesce(currency, ''),
            coalesce(ordered_at, ''), coalesce(updated_at, ''),
            coalesce(cast(_loaded_at as varchar), ''))) as row_hash
    from read_parquet(getvariable('data_dir') || '/shop_orders/*.parquet')
),
valid as (
    select typed.*
    from typed
    left join ref_fx on typed.currency = ref_fx.currency_code
    left join (select distinct contact_id from contacts) as staged_contacts
        on typed.contact_id = staged_contacts.contact_id
    left join accounts on typed.account_id = accounts.account_id
    where
        order_id is not null and order_status is not null and currency is not null
        and ordered_text is not null
        and not (typed.contact_id is null and typed.account_id is null)
        and ref_fx.currency_code is not null
        and order_status in ('placed', 'paid', 'shipped', 'completed', 'refunded', 'cancelled')
        and not (regexp_matches(trim(ordered_text), '^[0-9]{4}-[0-9]{2}-[0-9]{2}') is not true
            or ordered_at is null)
        and not (updated_text is not null and (
            regexp_matches(updated_text, '^[0-9]{4}-[0-9]{2}-[0-9]{2}') is not true
            or try_cast(replace(replace(updated_text, 'T', ' '), 'Z', '') as timestamp) is null))
        and ordered_at <= _loaded_at and coalesce(updated_at <= _loaded_at, true)
        and (typed.contact_id is null or staged_contacts.contact_id is not null)
        and (typed.account_id is null or accounts.account_id is not null)
)
select order_id, contact_id, currency, ordered_at, order_status
from valid
qualify row_number() over (
    partition by order_id
    order by updated_at desc nulls last, _loaded_at desc nulls last, row_hash desc
) = 1;

create or replace temp table order_totals as
with typed as (
    select
        nullif(trim(order_line_id), '') as order_line_id,
        nullif(trim(order_id), '') as order_id,
        nullif(trim(product_id), '') as product_id,
        nullif(trim(quantity), '') as quantity_text,
        clean_bigint(quantity) as quantity,
        clean_double(quantity) as quantity_double,
        nullif(trim(unit_price), '') as price_text,
        clean_double(unit_price) as unit_price,
        nullif(trim(discount_amount), '') as discount_text,
        coalesce(clean_double(discount_amount), 0) as discount_amount,
        _loaded_at,
        md5(concat_ws('|', coalesce(order_line_id, ''), coalesce(order_id, ''),
            coalesce(product_id, ''), coalesce(product_category, ''), coalesce(quantity, ''),
            coalesce(unit_price, ''), coalesce(discount_amount, ''),
            coalesce(cast(_loaded_at as varchar), ''))) as row_hash
    from read_parquet(getvariable('data_dir') || '/shop_order_lines/*.parquet')
),
valid as (
    select
        typed.*,
        orders.currency
    from typed
    inner join orders on typed.order_id = orders.order_id
    where
        order_line_id is not null and product_id is not null
        and quantity_text is not null and price_text is not null
        and quantity is not null and quantity_double = quantity
        and unit_price is not null
        and not (discount_text is not null
            and try_cast(replace(discount_text, ',', '') as double) is null)
        and quantity > 0 and unit_price > 0 and discount_amount >= 0
        and discount_amount <= quantity * unit_price
    qualify row_number() over (
        partition by order_line_id order by _loaded_at desc nulls last, row_hash desc
    ) = 1
)
select
    valid.order_id,
    sum((valid.quantity * valid.unit_price - valid.discount_amount)
        * (params.reporting_units_per_usd / ref_fx.units_per_usd)) as net_amount_reporting
from valid
cross join params
left join ref_fx on valid.currency = ref_fx.currency_code
group by valid.order_id;

create or replace table floor_rfm as
with purchases as (
    select
        identity.canonical_contact_id as contact_id,
        cast(orders.ordered_at as date) as order_date,
        coalesce(order_totals.net_amount_reporting, 0) as net_revenue
    from orders
    cross join params
    left join order_totals on orders.order_id = order_totals.order_id
    inner join identity on orders.contact_id = identity.contact_id
    where
        orders.order_status not in ('refunded', 'cancelled')
        and coalesce(order_totals.net_amount_reporting, 0) > 0
        and orders.ordered_at < params.as_of_cutoff
),
totals as (
    select
        contact_id,
        min(order_date) as first_purchase_date,
        max(order_date) as last_purchase_date,
        count(*) as frequency,
        sum(net_revenue) as monetary
    from purchases
    group by contact_id
),
ranked as (
    select
        totals.*,
        date_diff('day', totals.last_purchase_date, params.as_of_date) as recency_days,
        count(*) over () as purchasers,
        rank() over (order by date_diff('day', totals.last_purchase_date,
            params.as_of_date) desc) as recency_rank,
        rank() over (order by frequency) as frequency_rank,
        rank() over (order by round(monetary, 2)) as monetary_rank
    from totals
    cross join params
)
select
    contact_id, first_purchase_date, last_purchase_date, recency_days, frequency, monetary,
    cast(1 + floor((recency_rank - 1) * 5.0 / purchasers) as integer) as r_score,
    cast(1 + floor((frequency_rank - 1) * 5.0 / purchasers) as integer) as f_score,
    cast(1 + floor((monetary_rank - 1) * 5.0 / purchasers) as integer) as m_score
from ranked;

-- ---------------------------------------------------------------- events: clean, dedupe, resolve
-- First valid delivery per event_id (earliest received_at), with the keys the scores need.
create or replace temp table events as
with raw_events as (
    select
        nullif(trim(event_id), '') as event_id,
        nullif(trim(contact_id), '') as contact_id,
        nullif(trim(anonymous_id), '') as anonymous_id,
        lower(nullif(trim(email), '')) as email_normalized,
        lower(nullif(trim(event_type), '')) as event_type,
        nullif(trim(properties), '') as properties,
        occurred_at,
        received_at
    from read_parquet(getvariable('data_dir') || '/events/*.parquet')
),
valid as (
    select raw_events.*
    from raw_events
    left join (select distinct contact_id from contacts) as staged_contacts
        on raw_events.contact_id = staged_contacts.contact_id
    where
        event_id is not null and occurred_at is not null and received_at is not null
        and event_type in ('page_view', 'email_sent', 'email_open', 'email_click',
            'email_unsubscribe', 'email_bounce', 'form_submit', 'product_login',
            'feature_used', 'support_ticket')
        and occurred_at <= received_at + interval 60 minute
        and (properties is null or coalesce(json_valid(properties), false))
        and (raw_events.contact_id is null or staged_contacts.contact_id is not null)
)
select
    event_id,
    arg_min(contact_id, received_at) as contact_id,
    arg_min(anonymous_id, received_at) as anonymous_id,
    arg_min(email_normalized, received_at) as email_normalized,
    arg_min(event_type, received_at) as event_type,
    arg_min(json_extract_string(properties, '$.url'), received_at) as url,
    arg_min(occurred_at, received_at) as occurred_at
from valid
group by event_id;

create or replace temp table known_contacts as
select
    events.event_id,
    coalesce(direct.canonical_contact_id, by_email.canonical_contact_id) as contact_id
from events
left join identity as direct on events.contact_id = direct.contact_id
left join (select email_normalized, canonical_contact_id from identity where is_canonical)
    as by_email on events.email_normalized = by_email.email_normalized
where events.contact_id is not null or events.email_normalized is not null;

create or replace temp table anonymous_map as
select
    events.anonymous_id,
    arg_min(known_contacts.contact_id, (events.occurred_at, events.event_id)) as contact_id
from events
inner join known_contacts on events.event_id = known_contacts.event_id
where events.anonymous_id is not null and known_contacts.contact_id is not null
group by events.anonymous_id;

-- Winning content rule per distinct URL (not per event): is it a most_aware page?
create or replace temp table pricing_urls as
with urls as (
    select distinct url from events where event_type = 'page_view' and url is not null
)
select url
from urls
inner join ref_content_rules on position(ref_content_rules.url_pattern in lower(urls.url)) > 0
qualify row_number() over (
    partition by url order by ref_content_rules.priority, ref_content_rules.rule_id
) = 1 and ref_content_rules.awareness_stage = 'most_aware';

create or replace temp table contact_activity as
with resolved as (
    select
        coalesce(known_contacts.contact_id, anonymous_map.contact_id) as contact_id,
        events.event_type,
        events.url,
        cast(events.occurred_at as date) as event_date,
        events.occurred_at
    from events
    left join known_contacts on events.event_id = known_contacts.event_id
    left join anonymous_map on events.anonymous_id = anonymous_map.anonymous_id
),
identified as (
    select
        resolved.*,
        date_diff('day', resolved.event_date, params.as_of_date) as age_days,
        pricing_urls.url is not null as is_pricing_view
    from resolved
    cross join params
    left join pricing_urls
        on resolved.event_type = 'page_view' and resolved.url = pricing_urls.url
    where resolved.contact_id is not null
),
points as (
    select
        identified.contact_id,
        identified.event_date,
        identified.event_type,
        identified.occurred_at,
        case
            when weights.half_life_days is null or weights.half_life_days <= 0
                then weights.weight
            else weights.weight * power(0.5, identified.age_days / weights.half_life_days)
        end
        + case
            when identified.is_pricing_view then
                pricing.weight * power(0.5, identified.age_days / pricing.half_life_days)
            else 0
        end as points
    from identified
    left join ref_weights as weights
        on identified.event_type = weights.signal and weights.component = 'engagement'
    left join ref_weights as pricing
        on pricing.signal = 'pricing_page_view' and pricing.component = 'engagement'
)
select
    points.contact_id,
    sum(case when points.occurred_at < params.as_of_cutoff then points.points end)
        as engagement_points,
    count(distinct case
        when points.event_type in ('product_login', 'feature_used', 'page_view')
            and points.event_date <= params.as_of_date
            and points.event_date > params.as_of_date - interval 30 day
            then points.event_date
    end) as active_days_30,
    count(distinct case
        when points.event_type in ('product_login', 'feature_used', 'page_view')
            and points.event_date <= params.as_of_date
            and points.event_date > params.as_of_date - interval 90 day
            then points.event_date
    end) as active_days_90,
    max(case
        when points.event_type = 'form_submit' and points.occurred_at < params.as_of_cutoff
            then 1 else 0
    end) = 1 as has_form_submit
from points
cross join params
group by points.contact_id;

-- ---------------------------------------------------------------- profile
create or replace table floor_contact_profile as
with canonical as (
    select
        identity.contact_id,
        identity.account_id,
        contacts.email_normalized,
        contacts.marketing_consent,
        contacts.is_deleted,
        contacts.gender,
        contacts.household_size,
        contacts.annual_income_reporting,
        contacts.country_code,
        contacts.lifecycle_stage as crm_lifecycle_stage,
        case when contacts.birth_date <= params.as_of_date then
            year(params.as_of_date) - year(contacts.birth_date)
            - case when month(params.as_of_date) * 100 + day(params.as_of_date)
                < month(contacts.birth_date) * 100 + day(contacts.birth_date) then 1 else 0 end
        end as age
    from identity
    cross join params
    inner join contacts on identity.contact_id = contacts.contact_id
    where identity.is_canonical
),
joined as (
    select
        canonical.contact_id,
        canonical.account_id,
        canonical.email_normalized,
        canonical.marketing_consent,
        canonical.is_deleted,
        canonical.account_id is null as is_consumer,
        canonical.age,
        case
            when canonical.age is null then 'unknown'
            when canonical.age < 18 then 'under_18'
            when canonical.age < 25 then '18-24'
            when canonical.age < 35 then '25-34'
            when canonical.age < 45 then '35-44'
            when canonical.age < 55 then '45-54'
            when canonical.age < 65 then '55-64'
            else '65+'
        end as age_band,
        canonical.gender,
        case
            when canonical.household_size is null then 'unknown'
            when canonical.household_size <= 1 then 'single'
            when canonical.household_size = 2 then 'couple'
            when canonical.household_size <= 4 then 'small_family'
            else 'large_family'
        end as household_size_band,
        canonical.annual_income_reporting,
        case
            when canonical.annual_income_reporting is null then 'unknown'
            when canonical.annual_income_reporting < 30000 then 'low'
            when canonical.annual_income_reporting < 75000 then 'middle'
            when canonical.annual_income_reporting < 150000 then 'upper_middle'
            else 'high'
        end as income_band,
        canonical.country_code,
        coalesce(ref_countries.region, 'unknown') as region,
        ref_countries.language_code,
        floor_rfm.first_purchase_date,
        floor_rfm.last_purchase_date,
        floor_rfm.recency_days,
        floor_rfm.r_score,
        floor_rfm.f_score,
        floor_rfm.m_score,
        coalesce(floor_rfm.frequency, 0) as frequency,
        coalesce(floor_rfm.monetary, 0) as monetary,
        case
            when floor_rfm.r_score is null or floor_rfm.f_score is null then 'No Purchases'
            when floor_rfm.r_score = 5 and floor_rfm.f_score >= 4 then 'Champions'
            when floor_rfm.r_score >= 3 and floor_rfm.f_score >= 4 then 'Loyal'
            when floor_rfm.r_score >= 4 and floor_rfm.f_score >= 2 then 'Potential Loyalist'
            when floor_rfm.r_score = 5 then 'New'
            when floor_rfm.r_score = 4 then 'Promising'
            when floor_rfm.r_score = 3 and floor_rfm.f_score = 3 then 'Need Attention'
            when floor_rfm.r_score = 3 then 'About to Sleep'
            when floor_rfm.f_score = 5 then 'Can''t Lose Them'
            when floor_rfm.f_score >= 3 then 'At Risk'
            when floor_rfm.r_score = 2 then 'Hibernating'
            else 'Lost'
        end as rfm_segment,
        coalesce(contact_activity.active_days_30, 0) as active_days_30,
        coalesce(contact_activity.active_days_90, 0) as active_days_90,
        cast(round(cast(coalesce(contact_activity.engagement_points, 0) as decimal(28, 6)), 4)
            as double) as engagement_score,
        coalesce(contact_activity.has_form_submit, false) as has_form_submit,
        canonical.crm_lifecycle_stage,
        date_diff('day', floor_rfm.last_purchase_date, params.as_of_date) <= 365
            as has_recent_purchase
    from canonical
    cross join params
    left join ref_countries on canonical.country_code = ref_countries.country_code
    left join floor_rfm on canonical.contact_id = floor_rfm.contact_id
    left join contact_activity on canonical.contact_id = contact_activity.contact_id
)
select
    joined.* exclude (has_recent_purchase),
    case
        when joined.active_days_30 >= 15 then 'power'
        when joined.active_days_30 >= 5 then 'regular'
        when joined.active_days_90 >= 1 then 'light'
        else 'dormant'
    end as usage_level,
    -- Purchase evidence only (deals and subscriptions are not read by the floor).
    case
        when coalesce(joined.has_recent_purchase, false) then 'customer'
        when joined.crm_lifecycle_stage = 'customer' and joined.last_purchase_date is null
            then 'customer'
        else 'prospect'
    end as customer_type
from joined;

-- ---------------------------------------------------------------- segment membership
-- deleted contacts are never members, whatever the rule says (as int_segments__members)
create or replace table floor_segment_membership as
select rules.* from (
select
    'rfm_' || replace(replace(lower(rfm_segment), ' ', '_'), '''', '') as segment_id,
    contact_id,
    'rfm_segment=' || rfm_segment || '; r_score=' || r_score || '; f_score=' || f_score as reason
from floor_contact_profile
where rfm_segment <> 'No Purchases'
union all
select 'high_value_at_risk', contact_id, 'm_score=' || m_score || '; r_score=' || r_score
from floor_contact_profile where m_score >= 4 and r_score <= 2
union all
select 'lapsed_customers', contact_id, 'recency_days=' || recency_days
from floor_contact_profile where recency_days > 365
union all
select 'new_customers', contact_id, 'first_purchase_date=' || first_purchase_date
from floor_contact_profile cross join params
where date_diff('day', first_purchase_date, params.as_of_date) < 90
union all
select 'customers', contact_id, 'customer_type=customer'
from floor_contact_profile where customer_type = 'customer'
union all
select 'prospects', contact_id, 'customer_type=prospect'
from floor_contact_profile where customer_type = 'prospect'
union all
select 'age_18_34', contact_id, 'age_band=' || age_band
from floor_contact_profile where age_band in ('18-24', '25-34')
union all
select 'age_35_54', contact_id, 'age_band=' || age_band
from floor_contact_profile where age_band in ('35-44', '45-54')
union all
select 'age_55_plus', contact_id, 'age_band=' || age_band
from floor_contact_profile where age_band in ('55-64', '65+')
union all
select 'high_income_households', contact_id, 'income_band=high'
from floor_contact_profile where income_band = 'high'
union all
select 'large_families', contact_id, 'household_size_band=large_family'
from floor_contact_profile where household_size_band = 'large_family'
union all
select 'region_' || lower(region), contact_id, 'region=' || region
from floor_contact_profile where region in ('EMEA', 'AMER', 'APAC')
union all
select 'language_german', contact_id, 'language_code=de'
from floor_contact_profile where language_code = 'de'
union all
select 'language_french', contact_id, 'language_code=fr'
from floor_contact_profile where language_code = 'fr'
union all
select 'power_users', contact_id, 'active_days_30=' || active_days_30
from floor_contact_profile where usage_level = 'power'
) as rules
where rules.contact_id not in (select contact_id from floor_contact_profile where is_deleted);
