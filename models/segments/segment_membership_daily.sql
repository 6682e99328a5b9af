{#- Daily log of segment membership: every build appends (replaces) the rows of its as-of
    date, older dates stay (config: macros/segments/segment_log.sql; full refresh is
    switched off so the history survives it). -#}
{{ segment_log_config() }}

with membership as (

    select * from {{ ref('segment_membership') }}

),

final as (

    select
        {{ dbt.concat([
            "cast(as_of_date as " ~ dbt.type_string() ~ ")", "':'", "membership_id",
        ]) }} as membership_day_id,
        segment_id,
        entity_type,
        entity_id,
        is_holdout,
        reason,
        as_of_date
    from membership

)

select * from final
