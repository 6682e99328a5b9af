{#- Config of the segment logs (segment_membership_daily, segment_sizes_daily): incremental
    tables where each build replaces the rows of its own as-of date and keeps the others.
    DuckDB and PostgreSQL: delete+insert on as_of_date. Spark (no merge or delete without
    Delta/Iceberg): insert_overwrite of the as_of_date partition. A full refresh would erase
    the history, so it is switched off (full_refresh=false).
    erase_members: the log holds entities; rows of erased contacts (docs/privacy.md) are
    deleted from every logged date by a pre-hook, or on Spark by rewriting the dates that
    hold one (segment_log_erased_rows). -#}
{% macro segment_log_config(erase_members=false) -%}
    {%- set on_spark = target.type == 'spark' -%}
    {{ config(
        pre_hook=segment_log_erasure_hook() if erase_members else [],
        materialized='incremental',
        incremental_strategy='insert_overwrite' if on_spark else 'delete+insert',
        unique_key=none if on_spark else 'as_of_date',
        partition_by=['as_of_date'] if on_spark else none,
        on_schema_change='append_new_columns',
        full_refresh=false,
    ) }}
{%- endmacro %}

{#- The pre-hook that deletes the logged rows of erased contacts (DuckDB, PostgreSQL). -#}
{% macro segment_log_erasure_hook() -%}
    {{ return(
        "{{ erasure_delete_from_this({'contact_id': 'entity_id'}, \"entity_type = 'contact'\") }}"
    ) }}
{%- endmacro %}

{#- Spark (insert_overwrite by as_of_date, no delete): the rows of `this` to write back so
    that every earlier date holding an erased contact is rewritten without them, as
    `union all select ...` after the model's select of `cte`. Empty elsewhere, on a first
    build, and when nothing is erased. A date whose only rows were erased contacts cannot be
    emptied this way; it would keep them (in practice a date holds every segment's members). -#}
{% macro segment_log_erased_rows(cte, columns) -%}
    {%- if target.type != 'spark' or not execute or not is_incremental() -%}
        {{ return('') }}
    {%- endif -%}
    {%- set erased = erasure_is_erased({'contact_id': 'entity_id'}) | trim -%}
    {%- if erased == 'false' -%}
        {{ return('') }}
    {%- endif -%}
    union all
    select {{ columns | join(', ') }}
    from {{ this }}
    where
        as_of_date in (
            select as_of_date from {{ this }}
            where entity_type = 'contact' and {{ erased }}
        )
        and as_of_date not in (select as_of_date from {{ cte }})
        and not (entity_type = 'contact' and {{ erased }})
{%- endmacro %}
