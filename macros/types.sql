{#- 64-bit floating point on every engine. dbt.type_float() is `float` on DuckDB,
    which is 32-bit there and loses cents on large amounts. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'customer_segmentation')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double
{%- endmacro %}

{% macro postgres__type_double() -%}
    double precision
{%- endmacro %}

{#- Round a floating expression to `digits` decimals and return a double. PostgreSQL
    only rounds numerics to a number of digits, so the value goes through numeric. -#}
{% macro round_double(expression, digits=4) -%}
    cast(round(cast({{ expression }} as {{ dbt.type_numeric() }}), {{ digits }}) as {{ type_double() }})
{%- endmacro %}
