{#- Daily log of segment membership: every build appends (replaces) the rows of its as-of
    date, older dates stay (config: macros/segments/segment_log.sql; full refresh is
    switched off so the history survives it). Erased contacts (docs/privacy.md) are
    deleted from every date of the log by the next build. -#}
{{ segment_log_config(erase_members=true) }}
-- depends_on: {{ ref('stg_privacy__erased_keys') }}

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
{{ segment_log_erased_rows('final', [
    'membership_day_id', 'segment_id', 'entity_type', 'entity_id', 'is_holdout', 'reason',
    'as_of_date',
]) }}
