{#- One row per raw shop order row: raw text kept as raw_<column>, typed and normalised
    columns under their staging names, and reject_reason (null = staged).
    Checks in priority order (the first failing one wins):
      1 missing_required_field  order_id, order_status, currency or ordered_at blank;
                                neither contact_id nor account_id given
      2 unknown_currency        currency not in the fx_rates seed
      3 invalid_value           order_status not placed, paid, shipped, completed, refunded,
                                cancelled (any case)
      4 invalid_timestamp       ordered_at / updated_at given but not parseable
      5 future_timestamp        ordered_at / updated_at later than the row's _loaded_at
      6 orphan_foreign_key      contact_id given but not a staged contact, or account_id
                                given but not a staged account
      7 duplicate               valid, but another valid row with the same order_id wins
                                (latest updated_at, then latest _loaded_at, then row hash) -#}

{%- set order_statuses = ['placed', 'paid', 'shipped', 'completed', 'refunded', 'cancelled'] %}

with source as (

    select * from {{ source('shop', 'shop_orders') }}

),

fx_rates as (

    select * from {{ ref('fx_rates') }}

),

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

cleaned as (

    select
        -- raw text as received
        order_id as raw_order_id,
        contact_id as raw_contact_id,
        account_id as raw_account_id,
        order_status as raw_order_status,
        currency as raw_currency,
        ordered_at as raw_ordered_at,
        updated_at as raw_updated_at,
        _loaded_at,

        -- ids
        {{ staging_blank_to_null('order_id') }} as order_id,
        {{ staging_blank_to_null('contact_id') }} as contact_id,
        {{ staging_blank_to_null('account_id') }} as account_id,

        -- attributes
        lower({{ staging_blank_to_null('order_status') }}) as order_status,
        upper({{ staging_blank_to_null('currency') }}) as currency,

        -- timestamps
        {{ parse_timestamp('ordered_at') }} as ordered_at,
        coalesce(
            {{ parse_timestamp('updated_at') }}, {{ parse_timestamp('ordered_at') }}
        ) as updated_at,
        {{ staging_blank_to_null('ordered_at') }} is null as is_missing_ordered_at,
        {{ staging_is_invalid_timestamp('ordered_at') }}
        or {{ staging_is_invalid_timestamp('updated_at') }} as has_invalid_timestamp,

        {{ staging_row_hash([
            'order_id', 'contact_id', 'account_id', 'order_status', 'currency',
            'ordered_at', 'updated_at', '_loaded_at',
        ]) }} as row_hash

    from source

),

validated as (

    select
        cleaned.*,
        case
            when
                cleaned.order_id is null
                or cleaned.order_status is null
                or cleaned.currency is null
                or cleaned.is_missing_ordered_at
                or (cleaned.contact_id is null and cleaned.account_id is null)
                then 'missing_required_field'
            when fx_rates.currency_code is null then 'unknown_currency'
            when
                cleaned.order_status not in (
                    {%- for order_status in order_statuses %}
                        '{{ order_status }}'{{ ',' if not loop.last }}
                    {%- endfor %}
                )
                then 'invalid_value'
            when cleaned.has_invalid_timestamp then 'invalid_timestamp'
            when
                cleaned.ordered_at > cleaned._loaded_at
                or cleaned.updated_at > cleaned._loaded_at
                then 'future_timestamp'
            when
                (cleaned.contact_id is not null and staged_contact_ids.contact_id is null)
                or (cleaned.account_id is not null and staged_account_ids.account_id is null)
                then 'orphan_foreign_key'
        end as validation_reason
    from cleaned
    left join fx_rates
        on cleaned.currency = fx_rates.currency_code
    left join staged_contact_ids
        on cleaned.contact_id = staged_contact_ids.contact_id
    left join staged_account_ids
        on cleaned.account_id = staged_account_ids.account_id

),

ranked as (

    select
        validated.*,
        row_number() over (
            partition by validated.validation_reason, validated.order_id
            order by
                validated.updated_at desc nulls last,
                validated._loaded_at desc nulls last,
                validated.row_hash desc
        ) as version_rank
    from validated

),

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
        _loaded_at,

        -- typed and normalised
        order_id,
        contact_id,
        account_id,
        order_status,
        currency,
        ordered_at,
        updated_at,

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
