{#- Portable access to a JSON object held in a text column. -#}
{% macro json_is_valid(expression) -%}
    {{ return(adapter.dispatch('json_is_valid', 'customer_segmentation')(expression)) }}
{%- endmacro %}

{% macro default__json_is_valid(expression) -%}
    coalesce(json_valid({{ expression }}), false)
{%- endmacro %}

{#- DuckDB's parser also accepts a comma before a closing bracket, which strict JSON (and
    PostgreSQL and Spark) reject: such text counts as malformed here too, so the engines agree.
    (A string value that itself holds a comma before a bracket, e.g. "a,}", is read the same
    way: rare in event properties, and it is quarantined with a reason, never lost.) -#}
{% macro duckdb__json_is_valid(expression) -%}
    (
        coalesce(json_valid({{ expression }}), false)
        and not regexp_matches({{ expression }}, ',[[:space:]]*[]}]')
    )
{%- endmacro %}

{% macro postgres__json_is_valid(expression) -%}
    coalesce({{ target.schema }}.is_json({{ expression }}), false)
{%- endmacro %}

{% macro spark__json_is_valid(expression) -%}
    ({{ expression }} is not null and from_json({{ expression }}, 'map<string,string>') is not null)
{%- endmacro %}

{#- Top-level string value of `key`; null when missing or when the text is not valid JSON. -#}
{% macro json_extract_string(expression, key) -%}
    {{ return(adapter.dispatch('json_extract_string', 'customer_segmentation')(expression, key)) }}
{%- endmacro %}

{% macro default__json_extract_string(expression, key) -%}
    case when {{ json_is_valid(expression) }} then json_extract_string({{ expression }}, '$.{{ key }}') end
{%- endmacro %}

{% macro postgres__json_extract_string(expression, key) -%}
    case when {{ json_is_valid(expression) }} then cast({{ expression }} as json) ->> '{{ key }}' end
{%- endmacro %}

{% macro spark__json_extract_string(expression, key) -%}
    get_json_object({{ expression }}, '$.{{ key }}')
{%- endmacro %}
