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

{#- Text -> number: trims, drops thousands separators, returns null when not a number or
    not finite: 'NaN', 'Infinity', '-inf' and overflowing text such as '1e309' parse as
    doubles on some engines, and NaN compares larger than every number on every engine, so
    a finite value is one between minus and plus the largest double. -#}
{% macro parse_number(expression) -%}
    {%- set value = try_cast("replace(trim(" ~ expression ~ "), ',', '')", type_double()) -%}
    case
        when {{ value }} between -1.7976931348623157e308 and 1.7976931348623157e308
            then {{ value }}
    end
{%- endmacro %}

{% macro parse_integer(expression) -%}
    {{ try_cast("replace(trim(" ~ expression ~ "), ',', '')", dbt.type_bigint()) }}
{%- endmacro %}

{#- Text -> timestamp (UTC). Accepts 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM', 'YYYY-MM-DD HH:MM:SS'
    with up to 6 decimals, an ISO 'T' separator, and after a time a UTC offset: 'Z',
    '+HH:MM', '+HHMM' or '+HH' (also '-', optionally after a space), which is converted to
    UTC ('2026-03-01 10:00:00+05:30' -> 2026-03-01 04:30:00). Null for any other text, for
    an offset beyond +-14:00 or with minutes above 59, and for impossible dates or times.
    Only these ISO shapes: PostgreSQL would otherwise accept words such as 'now' or 'epoch',
    and engines differ in what else they accept or silently drop. -#}
{% macro parse_timestamp(expression) -%}
    {%- set text = "replace(trim(" ~ expression ~ "), 'T', ' ')" -%}
    {%- set local_shape = '[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?)?' -%}
    {%- set time_shape = '[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}(:[0-9]{2}([.][0-9]{1,6})?)?' -%}
    {%- set offset_shape = ' ?([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)$' -%}
    {%- set local_text = "regexp_replace(" ~ text ~ ", '" ~ offset_shape ~ "', '')" -%}
    {%- set offset = "trim(substring(" ~ text ~ ", length(" ~ local_text ~ ") + 1))" -%}
    {%- set offset_hours = "cast(substring(" ~ offset ~ ", 2, 2) as integer)" -%}
    {%- set offset_minutes = "case when length(" ~ offset ~ ") > 3 then cast(right(" ~ offset ~ ", 2) as integer) else 0 end" -%}
    case
        when {{ staging_regexp_like(text, '^' ~ local_shape ~ '$') }}
            then {{ try_cast(text, dbt.type_timestamp()) }}
        when
            {{ staging_regexp_like(text, '^' ~ time_shape ~ offset_shape) }}
            and upper({{ offset }}) = 'Z'
            then {{ try_cast(local_text, dbt.type_timestamp()) }}
        when
            {{ staging_regexp_like(text, '^' ~ time_shape ~ offset_shape) }}
            and {{ offset_minutes }} <= 59
            and {{ offset_hours }} * 60 + {{ offset_minutes }} <= 14 * 60
            then {{ staging_add_minutes(
                try_cast(local_text, dbt.type_timestamp()),
                "(case when left(" ~ offset ~ ", 1) = '-' then 1 else -1 end) * ("
                ~ offset_hours ~ " * 60 + " ~ offset_minutes ~ ")"
            ) }}
    end
{%- endmacro %}

{#- timestamp + a whole number of minutes (an expression). -#}
{% macro staging_add_minutes(timestamp, minutes) -%}
    {{ return(adapter.dispatch('staging_add_minutes', 'customer_segmentation')(timestamp, minutes)) }}
{%- endmacro %}

{% macro default__staging_add_minutes(timestamp, minutes) -%}
    ({{ timestamp }} + ({{ minutes }}) * interval '1 minute')
{%- endmacro %}

{% macro spark__staging_add_minutes(timestamp, minutes) -%}
    timestampadd(minute, {{ minutes }}, {{ timestamp }})
{%- endmacro %}

{#- date + a whole number of years (may be negative), as a date. -#}
{% macro staging_add_years(date, years) -%}
    {{ return(adapter.dispatch('staging_add_years', 'customer_segmentation')(date, years)) }}
{%- endmacro %}

{% macro default__staging_add_years(date, years) -%}
    cast({{ date }} + ({{ years }}) * interval '1 year' as date)
{%- endmacro %}

{% macro spark__staging_add_years(date, years) -%}
    add_months({{ date }}, ({{ years }}) * 12)
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
