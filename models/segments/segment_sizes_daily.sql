{#- Segment sizes over time: one row per as-of date built and segment defined at that
    build (zero-size segments included). Same incremental log as
    segment_membership_daily (full refresh switched off). -#}
{{
    config(
        materialized='incremental',
        incremental_strategy=segment_log_strategy(),
        unique_key=segment_log_unique_key(),
        partition_by=segment_log_partition_by(),
        on_schema_change='append_new_columns',
        full_refresh=false,
    )
}}

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
