{#- Run once per invocation (on-run-start): creates the helper functions an
    engine needs to run the project's portable macros. Only PostgreSQL needs any. -#}
{% macro create_portable_functions() -%}
    {{ return(adapter.dispatch('create_portable_functions', 'customer_segmentation')()) }}
{%- endmacro %}

{% macro default__create_portable_functions() -%}
    select 1
{%- endmacro %}

{% macro postgres__create_portable_functions() -%}
    create schema if not exists {{ target.schema }};
    {%- for name, type in [('timestamp', 'timestamp'), ('date', 'date'), ('bigint', 'bigint'), ('double', 'double precision'), ('boolean', 'boolean')] %}
    create or replace function {{ target.schema }}.try_cast_{{ name }}(value text)
    returns {{ type }} language plpgsql immutable as $fn$
    begin
        {%- if name in ('timestamp', 'date') %}
        -- PostgreSQL also accepts words such as 'now' or 'today': only ISO shapes are dates here.
        if value !~ '^\s*\d{4}-\d{2}-\d{2}' then
            return null;
        end if;
        {%- endif %}
        return cast(value as {{ type }});
    exception when others then
        return null;
    end;
    $fn$;
    {%- endfor %}
    create or replace function {{ target.schema }}.is_json(value text)
    returns boolean language plpgsql immutable as $fn$
    begin
        perform cast(value as json);
        return true;
    exception when others then
        return false;
    end;
    $fn$;
{%- endmacro %}
