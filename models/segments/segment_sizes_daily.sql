{#- Segment sizes over time: one row per as-of date built and segment defined at that
    build (zero-size segments included). The same incremental log as
    segment_membership_daily (macros/segments/segment_log.sql). -#}
{{ segment_log_config() }}

with catalog as (

    select * from {{ ref('segment_catalog') }}

),

final as (

    select
        {{ dbt.concat([
            "cast(as_of_date as " ~ dbt.type_string() ~ ")", "':'", "segment_id",
        ]) }} as segment_day_id,
        segment_id,
        entity_type,
        category,
        member_count,
        holdout_count,
        treated_count,
        as_of_date
    from catalog

)

select * from final
