{#- One row per raw shop order row: raw text kept as raw_<column>, typed and normalised
    columns under their staging names, and reject_reason (null = staged).
    The columns are declared once below as specs; macros/staging_columns.sql turns them into
    columns and checks. Checks in priority order (the first failing one wins):
      1 missing_required_field  order_id, order_status, currency or ordered_at blank;
                                neither contact_id nor account_id given
      2 invalid_id              order_id, contact_id or account_id not 1-64 letters, digits,
                                _ - .
      3 invalid_number          order_amount given but not a finite number
      4 non_positive_amount     order_amount < 0 (0 is staged: a free order is still a
                                purchase occasion)
      5 out_of_range            ordered_at / updated_at before var plausible_min_timestamp;
                                order_amount in the reporting currency above
                                plausible_max_amount
      6 unknown_currency        currency not in the fx_rates seed
      7 invalid_value           order_status not placed, paid, shipped, completed, refunded,
                                cancelled (any case)
      8 invalid_timestamp       ordered_at / updated_at given but not parseable (a UTC offset
                                is converted; a malformed one or beyond +-14:00 is invalid)
      9 future_timestamp        ordered_at / updated_at later than the row's _loaded_at
     10 orphan_foreign_key      contact_id given but not a staged contact, or account_id
                                given but not a staged account
     11 duplicate               valid, but another valid row with the same order_id wins
                                (latest updated_at, then latest _loaded_at, then row hash)
    order_amount (optional, in the order's currency): the order's total when it has no
    staged lines (an export of order totals only); an order with lines takes its lines'
    amounts (int_orders__net_revenue). -#}

{%- set columns = [
    {'name': 'order_id', 'type': 'id', 'required': true},
    {'name': 'contact_id', 'type': 'id', 'fk': 'staged_contact_id'},
    {'name': 'account_id', 'type': 'id', 'fk': 'staged_account_id'},
    {
        'name': 'order_status', 'type': 'category', 'case': 'lower', 'required': true,
        'accepted': ['placed', 'paid', 'shipped', 'completed', 'refunded', 'cancelled'],
    },
    {'name': 'currency', 'type': 'currency', 'required': true, 'lookup': 'units_per_usd'},
    {'name': 'ordered_at', 'type': 'timestamp', 'required': true},
    {'name': 'updated_at', 'type': 'timestamp', 'fallback': 'ordered_at'},
    {
        'name': 'order_amount', 'type': 'amount', 'sign': 'non_negative',
        'max': 'plausible_max_amount', 'rate': 'units_per_usd',
    },
] %}

with source as (

    select * from (
        {{ staging_source_select('shop', 'shop_orders', columns) | indent(8) }}
    ) as raw_rows
    -- erased people (docs/privacy.md) leave no row in any model
    where not {{ erasure_is_erased(erasure_raw_columns('shop_orders')) }}

),

{{ staging_fx_ctes() }},

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

staged_contact_ids as (

    select distinct contact_id from contacts

),

staged_account_ids as (

    select distinct account_id from accounts

),

{{ staging_cleaned_cte(columns) }},

enriched as (

    select
        cleaned.*,
        fx_rates.units_per_usd,
        reporting_rate.reporting_units_per_usd,
        staged_contact_ids.contact_id as staged_contact_id,
        staged_account_ids.account_id as staged_account_id
    from cleaned
    left join fx_rates
        on cleaned.currency = fx_rates.currency_code
    left join staged_contact_ids
        on cleaned.contact_id = staged_contact_ids.contact_id
    left join staged_account_ids
        on cleaned.account_id = staged_account_ids.account_id
    cross join reporting_rate

),

{{ staging_validation_ctes(columns, 'order_id', ['updated_at', '_loaded_at'], extra={
    'missing_required_field': ['contact_id is null and account_id is null'],
}) }},

final as (

    select
        -- raw text as received
        raw_order_id,
        raw_contact_id,
        raw_account_id,
        raw_order_status,
        raw_currency,
        raw_ordered_at,
        raw_updated_at,
        raw_order_amount,
        _loaded_at,

        -- typed and normalised
        order_id,
        contact_id,
        account_id,
        order_status,
        currency,
        ordered_at,
        updated_at,
        order_amount,
        {{ staging_to_reporting(
            'order_amount', 'units_per_usd', 'reporting_units_per_usd'
        ) }} as order_amount_reporting,

        -- quarantine
        row_hash,
        version_rank,
        {{ staging_reject_reason() }}

    from ranked

)

select * from final
