{#- Config of the segment logs (segment_membership_daily, segment_sizes_daily): incremental
    tables where each build replaces the rows of its own as-of date and keeps the others.
    DuckDB and PostgreSQL: delete+insert on as_of_date. Spark (no merge or delete without
    Delta/Iceberg): insert_overwrite of the as_of_date partition. A full refresh would erase
    the history, so it is switched off (full_refresh=false). -#}
{% macro segment_log_config() -%}
    {%- set on_spark = target.type == 'spark' -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='insert_overwrite' if on_spark else 'delete+insert',
        unique_key=none if on_spark else 'as_of_date',
        partition_by=['as_of_date'] if on_spark else none,
        on_schema_change='append_new_columns',
        full_refresh=false,
    ) }}
{%- endmacro %}
