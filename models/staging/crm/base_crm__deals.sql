{#- One row per raw CRM deal row: raw text kept as raw_<column>, typed and
    normalised columns under their staging names, and reject_reason (null = staged).
    Checks in priority order (the first failing one wins):
      1 missing_required_field  deal_id, account_id, deal_stage, amount, currency or
                                created_at blank
      2 invalid_id              deal_id has characters other than letters, digits, _ - .
      3 invalid_number          amount not a number
      4 non_positive_amount     amount <= 0
      5 unknown_currency        currency not in the fx_rates seed
      6 invalid_value           deal_stage or is_won outside its accepted values
      7 invalid_timestamp       created_at / closed_at given but not parseable
      8 future_timestamp        created_at / closed_at later than the row's _loaded_at
      9 orphan_foreign_key      account_id not a staged account, or contact_id given but
                                not a staged contact
     10 duplicate               valid, but another valid row with the same deal_id wins
                                (latest _loaded_at, then row hash; deals carry no updated_at) -#}

with source as (

    select * from {{ source('crm', 'crm_deals') }}

),

accounts as (

    select * from {{ ref('stg_crm__accounts') }}

),

contacts as (

    select * from {{ ref('stg_crm__contacts') }}

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
        deal_id as raw_deal_id,
        account_id as raw_account_id,
        contact_id as raw_contact_id,
        deal_stage as raw_deal_stage,
        amount as raw_amount,
        currency as raw_currency,
        created_at as raw_created_at,
        closed_at as raw_closed_at,
        is_won as raw_is_won,
        _loaded_at,

        -- ids
        {{ staging_blank_to_null('deal_id') }} as deal_id,
        {{ staging_blank_to_null('account_id') }} as account_id,
        {{ staging_blank_to_null('contact_id') }} as contact_id,

        -- deal
        replace(lower({{ staging_blank_to_null('deal_stage') }}), ' ', '_') as deal_stage,
        {{ parse_number('amount') }} as amount,
        upper({{ staging_blank_to_null('currency') }}) as currency,
        {{ staging_blank_to_null('is_won') }} as is_won_text,
        {{ parse_boolean('is_won') }} as parsed_is_won,

        -- timestamps
        {{ staging_parse_timestamp('created_at') }} as created_at,
        {{ staging_parse_timestamp('closed_at') }} as closed_at,

        -- validity of the text that could not be parsed
        {{ staging_is_invalid_number('amount') }} as is_invalid_amount,
        {{ staging_is_invalid_timestamp('created_at') }}
        or {{ staging_is_invalid_timestamp('closed_at') }} as has_invalid_timestamp,

        {{ staging_row_hash([
            'deal_id', 'account_id', 'contact_id', 'deal_stage', 'amount', 'currency',
            'created_at', 'closed_at', 'is_won', '_loaded_at',
        ]) }} as row_hash

    from source

),

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

validated as (

    select
        *,
        case
            when
                deal_id is null
                or account_id is null
                or deal_stage is null
                or (amount is null and not is_invalid_amount)
                or currency is null
                or {{ staging_blank_to_null('raw_created_at') }} is null
                then 'missing_required_field'
            when not {{ staging_is_valid_id('deal_id') }} then 'invalid_id'
            when is_invalid_amount then 'invalid_number'
            when amount <= 0 then 'non_positive_amount'
            when amount_units_per_usd is null then 'unknown_currency'
            when deal_stage not in (
                'prospecting', 'qualification', 'proposal', 'negotiation',
                'closed_won', 'closed_lost'
            ) then 'invalid_value'
            when is_won_text is not null and parsed_is_won is null then 'invalid_value'
            when has_invalid_timestamp then 'invalid_timestamp'
            when created_at > _loaded_at or closed_at > _loaded_at then 'future_timestamp'
            when staged_account_id is null then 'orphan_foreign_key'
            when contact_id is not null and staged_contact_id is null
                then 'orphan_foreign_key'
        end as validation_reason
    from enriched

),

ranked as (

    select
        *,
        row_number() over (
            partition by validation_reason, deal_id
            order by
                _loaded_at desc nulls last,
                row_hash desc
        ) as version_rank
    from validated

),

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
        case
            when validation_reason is not null then validation_reason
            when version_rank > 1 then 'duplicate'
        end as reject_reason

    from ranked

)

select * from final
