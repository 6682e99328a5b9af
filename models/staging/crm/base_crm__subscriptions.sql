{#- One row per raw subscription row: raw text kept as raw_<column>, typed and
    normalised columns under their staging names, and reject_reason (null = staged).
    The columns are declared once below as specs; macros/staging_columns.sql turns them into
    columns and checks. Checks in priority order (the first failing one wins):
      1 missing_required_field  subscription_id, account_id, plan, status, mrr, currency or
                                started_at blank
      2 invalid_id              subscription_id or account_id not 1-64 letters, digits, _ - .
      3 invalid_number          seats / seats_used not whole numbers >= 0, mrr not a finite
                                number ('NaN', 'Infinity', '1e309' are invalid)
      4 non_positive_amount     mrr < 0 (0 is a free or trial plan and is kept)
      5 out_of_range            seats / seats_used above var plausible_max_seats, mrr (in the
                                reporting currency) above plausible_max_amount, started_at /
                                ended_at before plausible_min_timestamp
      6 unknown_currency        currency not in the fx_rates seed
      7 invalid_value           plan or status outside its accepted values (status is
                                lower-cased, spaces -> '_', US 'canceled' -> 'cancelled')
      8 invalid_timestamp       started_at / ended_at given but not parseable (a UTC offset
                                is converted; a malformed one or beyond +-14:00 is invalid)
      9 future_timestamp        started_at later than the row's _loaded_at (a future ended_at
                                is a scheduled end and is kept)
     10 orphan_foreign_key      account_id not a staged account
     11 duplicate               valid, but another valid row with the same subscription_id
                                wins (latest _loaded_at, then row hash)
    seats_used may exceed seats (over-allocation the billing system allows): kept, and
    exposed as is_over_seat_limit. -#}

{%- set columns = [
    {'name': 'subscription_id', 'type': 'id', 'required': true},
    {'name': 'account_id', 'type': 'id', 'required': true, 'fk': 'staged_account_id'},
    {
        'name': 'plan', 'type': 'category', 'case': 'lower', 'required': true,
        'accepted': ['starter', 'growth', 'business', 'enterprise'],
    },
    {'name': 'seats', 'type': 'integer', 'min': 0, 'max': 'plausible_max_seats'},
    {'name': 'seats_used', 'type': 'integer', 'min': 0, 'max': 'plausible_max_seats'},
    {
        'name': 'mrr', 'type': 'amount', 'required': true, 'sign': 'non_negative',
        'max': 'plausible_max_amount', 'rate': 'mrr_units_per_usd',
    },
    {'name': 'currency', 'type': 'currency', 'required': true, 'lookup': 'mrr_units_per_usd'},
    {'name': 'started_at', 'type': 'timestamp', 'required': true},
    {'name': 'ended_at', 'type': 'timestamp', 'future': false},
    {
        'name': 'status', 'type': 'category', 'snake': true, 'required': true,
        'aliases': {'canceled': 'cancelled'},
        'accepted': ['active', 'trialing', 'past_due', 'cancelled'],
    },
] %}

with source as (

    {{ staging_source_select('crm', 'crm_subscriptions', columns) }}

),

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

{{ staging_fx_ctes() }},

{{ staging_cleaned_cte(columns) }},

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

{{ staging_validation_ctes(columns, 'subscription_id', ['_loaded_at']) }},

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
        {{ staging_reject_reason() }}

    from ranked

)

select * from final
