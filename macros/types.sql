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
