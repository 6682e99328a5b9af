with base_deals as (

    select * from {{ ref('base_crm__deals') }}

),

staged as (

    select
        -- ids
        deal_id,
        account_id,
        contact_id,

        -- deal
        deal_stage,
        is_closed,
        is_won,

        -- money
        amount,
        currency,
        amount_reporting,

        -- timestamps
        created_at,
        closed_at,
        _loaded_at

    from base_deals
    where reject_reason is null

)

select * from staged
