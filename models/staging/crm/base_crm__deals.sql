{#- One row per raw CRM deal row: raw text kept as raw_<column>, typed and
    normalised columns under their staging names, and reject_reason (null = staged).
    The columns are declared once below as specs; macros/staging_columns.sql turns them into
    columns and checks. Checks in priority order (the first failing one wins):
      1 missing_required_field  deal_id, account_id, deal_stage, amount, currency or
                                created_at blank
      2 invalid_id              deal_id, account_id or contact_id not 1-64 letters, digits,
                                _ - .
      3 invalid_number          amount not a finite number ('NaN', 'Infinity', '1e309')
      4 non_positive_amount     amount <= 0
      5 out_of_range            amount (in the reporting currency) above var
                                plausible_max_amount, created_at / closed_at before
                                plausible_min_timestamp
      6 unknown_currency        currency not in the fx_rates seed
      7 invalid_value           deal_stage or is_won outside its accepted values
      8 invalid_timestamp       created_at / closed_at given but not parseable (a UTC offset
                                is converted; a malformed one or beyond +-14:00 is invalid)
      9 future_timestamp        created_at / closed_at later than the row's _loaded_at
     10 orphan_foreign_key      account_id not a staged account, or contact_id given but
                                not a staged contact
     11 duplicate               valid, but another valid row with the same deal_id wins
                                (latest _loaded_at, then row hash; deals carry no updated_at) -#}

{%- set columns = [
    {'name': 'deal_id', 'type': 'id', 'required': true},
    {'name': 'account_id', 'type': 'id', 'required': true, 'fk': 'staged_account_id'},
    {'name': 'contact_id', 'type': 'id', 'fk': 'staged_contact_id'},
    {
        'name': 'deal_stage', 'type': 'category', 'snake': true, 'required': true,
        'accepted': [
            'prospecting', 'qualification', 'proposal', 'negotiation',
            'closed_won', 'closed_lost',
        ],
    },
    {
        'name': 'amount', 'type': 'amount', 'required': true, 'sign': 'positive',
        'max': 'plausible_max_amount', 'rate': 'amount_units_per_usd',
    },
    {
        'name': 'currency', 'type': 'currency', 'required': true,
        'lookup': 'amount_units_per_usd',
    },
    {'name': 'created_at', 'type': 'timestamp', 'required': true},
    {'name': 'closed_at', 'type': 'timestamp'},
    {'name': 'is_won', 'type': 'boolean', 'as': 'parsed_is_won'},
] %}

with source as (

    select * from (
        {{ staging_source_select('crm', 'crm_deals', columns) | indent(8) }}
    ) as raw_rows
    -- erased people (docs/privacy.md) leave no row in any model
    where not {{ erasure_is_erased(erasure_raw_columns('crm_deals')) }}

),

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

{{ staging_fx_ctes() }},

{{ staging_cleaned_cte(columns) }},

enriched as (

    select
        cleaned.*,
        fx_rates.units_per_usd as amount_units_per_usd,
        reporting_rate.reporting_units_per_usd,
        accounts.account_id as staged_account_id,
        contacts.contact_id as staged_contact_id
    from cleaned
    left join fx_rates
        on cleaned.currency = fx_rates.currency_code
    left join accounts
        on cleaned.account_id = accounts.account_id
    left join contacts
        on cleaned.contact_id = contacts.contact_id
    cross join reporting_rate

),

{{ staging_validation_ctes(columns, 'deal_id', ['_loaded_at']) }},

final as (

    select
        -- raw text as received
        raw_deal_id,
        raw_account_id,
        raw_contact_id,
        raw_deal_stage,
        raw_amount,
        raw_currency,
        raw_created_at,
        raw_closed_at,
        raw_is_won,
        _loaded_at,

        -- typed and normalised
        deal_id,
        account_id,
        contact_id,
        deal_stage,
        amount,
        currency,
        {{ staging_to_reporting(
            'amount', 'amount_units_per_usd', 'reporting_units_per_usd'
        ) }} as amount_reporting,
        created_at,
        closed_at,
        coalesce(
            parsed_is_won,
            case
                when deal_stage = 'closed_won' then true
                when deal_stage = 'closed_lost' then false
            end
        ) as is_won,
        deal_stage in ('closed_won', 'closed_lost') as is_closed,

        -- quarantine
        row_hash,
        version_rank,
        {{ staging_reject_reason() }}

    from ranked

)

select * from final
