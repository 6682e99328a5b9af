{#- One row per raw subscription row: raw text kept as raw_<column>, typed and
    normalised columns under their staging names, and reject_reason (null = staged).
    Checks in priority order (the first failing one wins):
      1 missing_required_field  subscription_id, account_id, plan, status, mrr, currency or
                                started_at blank
      2 invalid_id              subscription_id has characters other than letters, digits, _ - .
      3 invalid_number          seats / seats_used not whole numbers >= 0, mrr not a number
      4 non_positive_amount     mrr < 0 (0 is a free or trial plan and is kept)
      5 unknown_currency        currency not in the fx_rates seed
      6 invalid_value           plan or status outside its accepted values (status is
                                lower-cased, spaces -> '_', US 'canceled' -> 'cancelled')
      7 invalid_timestamp       started_at / ended_at given but not parseable
      8 future_timestamp        started_at later than the row's _loaded_at (a future ended_at
                                is a scheduled end and is kept)
      9 orphan_foreign_key      account_id not a staged account
     10 duplicate               valid, but another valid row with the same subscription_id
                                wins (latest _loaded_at, then row hash)
    seats_used may exceed seats (over-allocation the billing system allows): kept, and
    exposed as is_over_seat_limit. -#}

with source as (

    select * from {{ source('crm', 'crm_subscriptions') }}

),

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

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
        subscription_id as raw_subscription_id,
        account_id as raw_account_id,
        plan as raw_plan,
        seats as raw_seats,
        seats_used as raw_seats_used,
        mrr as raw_mrr,
        currency as raw_currency,
        started_at as raw_started_at,
        ended_at as raw_ended_at,
        status as raw_status,
        _loaded_at,

        -- ids
        {{ staging_blank_to_null('subscription_id') }} as subscription_id,
        {{ staging_blank_to_null('account_id') }} as account_id,

        -- subscription
        lower({{ staging_blank_to_null('plan') }}) as plan,
        case
            when lower({{ staging_blank_to_null('status') }}) = 'canceled' then 'cancelled'
            else replace(lower({{ staging_blank_to_null('status') }}), ' ', '_')
        end as status,
        {{ parse_integer('seats') }} as seats,
        {{ parse_integer('seats_used') }} as seats_used,
        {{ parse_number('mrr') }} as mrr,
        upper({{ staging_blank_to_null('currency') }}) as currency,

        -- timestamps
        {{ staging_parse_timestamp('started_at') }} as started_at,
        {{ staging_parse_timestamp('ended_at') }} as ended_at,

        -- validity of the text that could not be parsed
        {{ staging_is_invalid_integer('seats') }}
        or {{ staging_is_invalid_integer('seats_used') }}
            as has_invalid_seats,
        {{ staging_is_invalid_number('mrr') }} as is_invalid_mrr,
        {{ staging_is_invalid_timestamp('started_at') }}
        or {{ staging_is_invalid_timestamp('ended_at') }} as has_invalid_timestamp,

        {{ staging_row_hash([
            'subscription_id', 'account_id', 'plan', 'seats', 'seats_used', 'mrr', 'currency',
            'started_at', 'ended_at', 'status', '_loaded_at',
        ]) }} as row_hash

    from source

),

enriched as (

    select
        cleaned.*,
        fx_rates.units_per_usd as mrr_units_per_usd,
        reporting_rate.reporting_units_per_usd,
        accounts.account_id as staged_account_id
    from cleaned
    left join fx_rates
        on cleaned.currency = fx_rates.currency_code
    left join accounts
        on cleaned.account_id = accounts.account_id
    cross join reporting_rate

),

validated as (

    select
        *,
        case
            when
                subscription_id is null
                or account_id is null
                or plan is null
                or status is null
                or (mrr is null and not is_invalid_mrr)
                or currency is null
                or {{ staging_blank_to_null('raw_started_at') }} is null
                then 'missing_required_field'
            when not {{ staging_is_valid_id('subscription_id') }} then 'invalid_id'
            when has_invalid_seats or seats < 0 or seats_used < 0 then 'invalid_number'
            when is_invalid_mrr then 'invalid_number'
            when mrr < 0 then 'non_positive_amount'
            when mrr_units_per_usd is null then 'unknown_currency'
            when plan not in ('starter', 'growth', 'business', 'enterprise') then 'invalid_value'
            when status not in ('active', 'trialing', 'past_due', 'cancelled')
                then 'invalid_value'
            when has_invalid_timestamp then 'invalid_timestamp'
            when started_at > _loaded_at then 'future_timestamp'
            when staged_account_id is null then 'orphan_foreign_key'
        end as validation_reason
    from enriched

),

ranked as (

    select
        *,
        row_number() over (
            partition by validation_reason, subscription_id
            order by
                _loaded_at desc nulls last,
                row_hash desc
        ) as version_rank
    from validated

),

final as (

    select
        -- raw text as received
        raw_subscription_id,
        raw_account_id,
        raw_plan,
        raw_seats,
        raw_seats_used,
        raw_mrr,
        raw_currency,
        raw_started_at,
        raw_ended_at,
        raw_status,
        _loaded_at,

        -- typed and normalised
        subscription_id,
        account_id,
        plan,
        status,
        seats,
        seats_used,
        coalesce(seats_used > seats, false) as is_over_seat_limit,
        mrr,
        currency,
        {{ staging_to_reporting('mrr', 'mrr_units_per_usd', 'reporting_units_per_usd') }}
            as mrr_reporting,
        started_at,
        ended_at,

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
