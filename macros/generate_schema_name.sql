{#- Every model lives in the schema of its layer (dbt_project.yml `+schema`: staging, audit,
    intermediate, marts, segments, reference), named as given on every engine rather than
    prefixed with the target schema. $DBT_SCHEMA_PREFIX (default empty) is prepended to each,
    so that several builds can share one database (custseg/layers.py does the same). -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set prefix = env_var('DBT_SCHEMA_PREFIX', '') -%}
    {%- if custom_schema_name is none -%}
        {{ prefix }}{{ target.schema }}
    {%- else -%}
        {{ prefix }}{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
