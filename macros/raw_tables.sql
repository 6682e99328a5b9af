{#- Where each raw table lives, as the sources YAML (models/staging/*/_*__sources.yml) reads
    it from vars (fivetran style): <source>_database and <source>_schema per source system
    (crm, shop, events; defaults: the target's database, var raw_schema) and
    <table>_identifier per table (default: the table's contract name), so a team points the
    project at its existing tables instead of copying them. Used where the graph's source
    nodes are not at hand (unit tests). -#}
{% macro raw_table_source(table_name) -%}
    {{ return('events' if table_name == 'events' else table_name.split('_')[0]) }}
{%- endmacro %}

{% macro raw_table_database(table_name) -%}
    {%- if target.type == 'spark' -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(var(raw_table_source(table_name) ~ '_database', target.database)) }}
{%- endmacro %}

{% macro raw_table_schema(table_name) -%}
    {{ return(var(raw_table_source(table_name) ~ '_schema', var('raw_schema', 'raw'))) }}
{%- endmacro %}

{% macro raw_table_identifier(table_name) -%}
    {{ return(var(table_name ~ '_identifier', table_name)) }}
{%- endmacro %}
