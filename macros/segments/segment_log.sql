{#- Incremental settings of the segment logs (segment_membership_daily, segment_sizes_daily):
    each build replaces the rows of its own as-of date and keeps the others.
    DuckDB and PostgreSQL: delete+insert on as_of_date. Spark (no merge or delete without
    Delta/Iceberg): insert_overwrite of the as_of_date partition. -#}
{% macro segment_log_strategy() -%}
    {{ return('insert_overwrite' if target.type == 'spark' else 'delete+insert') }}
{%- endmacro %}

{% macro segment_log_unique_key() -%}
    {{ return(none if target.type == 'spark' else 'as_of_date') }}
{%- endmacro %}

{% macro segment_log_partition_by() -%}
    {{ return(['as_of_date'] if target.type == 'spark' else none) }}
{%- endmacro %}
