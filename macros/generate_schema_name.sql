{#- Use a model's custom schema as given (e.g. `reference`) instead of
    prefixing it with the target schema, so every engine gets the same names. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
