with base_deals as (

    select * from {{ ref('base_crm__deals') }}

),

rejected as (

    select
        raw_deal_id as deal_id,
        raw_account_id as account_id,
        raw_contact_id as contact_id,
        raw_deal_stage as deal_stage,
        raw_amount as amount,
        raw_currency as currency,
        raw_created_at as created_at,
        raw_closed_at as closed_at,
        raw_is_won as is_won,
        _loaded_at,
        reject_reason,
        version_rank
    from base_deals
    where reject_reason is not null

)

select * from rejected
