{#- Casts that return null instead of raising on bad input, so staging can
    route the row to its _rejected twin. dbt.safe_cast compiles to a plain
    cast on DuckDB, hence these dispatched versions. `type` is a SQL type name. -#}
{% macro try_cast(expression, type) -%}
    {{ return(adapter.dispatch('try_cast', 'customer_segmentation')(expression, type)) }}
{%- endmacro %}

{% macro default__try_cast(expression, type) -%}
    try_cast({{ expression }} as {{ type }})
{%- endmacro %}

{% macro spark__try_cast(expression, type) -%}
    try_cast({{ expression }} as {{ type }})
{%- endmacro %}

{#- PostgreSQL has no try_cast: functions created by create_portable_functions()
    catch the cast error and return null. -#}
{% macro postgres__try_cast(expression, type) -%}
    {%- set t = type | lower | trim -%}
    {%- if t.startswith('timestamp') -%}
        {{ target.schema }}.try_cast_timestamp({{ expression }})
    {%- elif t == 'date' -%}
        {{ target.schema }}.try_cast_date({{ expression }})
    {%- elif t in ('integer', 'int', 'bigint') -%}
        {{ target.schema }}.try_cast_bigint({{ expression }})
    {%- elif t.startswith('decimal') or t.startswith('numeric') or t in ('double', 'double precision', 'float') -%}
        {{ target.schema }}.try_cast_double({{ expression }})
    {%- elif t == 'boolean' -%}
        {{ target.schema }}.try_cast_boolean({{ expression }})
    {%- else -%}
        cast({{ expression }} as {{ type }})
    {%- endif -%}
{%- endmacro %}

{#- Text -> number: trims, drops thousands separators, returns null when not a number. -#}
{% macro parse_number(expression) -%}
    {{ try_cast("replace(trim(" ~ expression ~ "), ',', '')", type_double()) }}
{%- endmacro %}

{% macro parse_integer(expression) -%}
    {{ try_cast("replace(trim(" ~ expression ~ "), ',', '')", dbt.type_bigint()) }}
{%- endmacro %}

{#- Text -> timestamp (UTC). Accepts 'YYYY-MM-DD HH:MM:SS', an ISO 'T' separator
    and a trailing 'Z'. -#}
{% macro parse_timestamp(expression) -%}
    {{ try_cast("replace(replace(trim(" ~ expression ~ "), 'T', ' '), 'Z', '')", dbt.type_timestamp()) }}
{%- endmacro %}

{% macro parse_date(expression) -%}
    {{ try_cast("trim(" ~ expression ~ ")", 'date') }}
{%- endmacro %}

{#- Text -> boolean: true/false, yes/no, 1/0, t/f, y/n (any case); anything else null. -#}
{% macro parse_boolean(expression) -%}
    case
        when lower(trim({{ expression }})) in ('true', 't', 'yes', 'y', '1') then true
        when lower(trim({{ expression }})) in ('false', 'f', 'no', 'n', '0') then false
    end
{%- endmacro %}
