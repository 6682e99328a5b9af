{#- Daily log of segment membership: every build appends (replaces) the rows of its as-of
    date, older dates stay. delete+insert on the as-of date (DuckDB, PostgreSQL);
    insert_overwrite of the as_of_date partition on Spark (no merge there). A full refresh
    would erase the history, so it is switched off (full_refresh=false). -#}
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
