{#- Readers' access on PostgreSQL (docs/privacy.md). Table grants come from the `grants:` configs in
    dbt_project.yml: the roles in $CUSTSEG_BI_READER_ROLES (default segmentation_bi and
    segmentation_activation) select from marts and segments, the roles in
    $CUSTSEG_ACTIVATION_READER_ROLES (default segmentation_activation) also from the activation
    model; an empty variable grants nothing. scripts/postgres-roles.sql creates the default roles.
    This on-run-end hook adds what `grants:` cannot: usage on those schemas. Nothing is granted on
    raw, staging, audit or intermediate. A DuckDB file and a local Spark session have no roles. -#}
{% macro reader_roles(audience) -%}
    {%- set defaults = {'bi': 'segmentation_bi,segmentation_activation', 'activation': 'segmentation_activation'} -%}
    {%- set names = env_var('CUSTSEG_' ~ (audience | upper) ~ '_READER_ROLES', defaults[audience]) -%}
    {{- return(names.split(',') | map('trim') | reject('equalto', '') | list) -}}
{%- endmacro %}

{% macro grant_reader_schema_usage(built_schemas) -%}
    {%- if target.type != 'postgres' -%}{{ return('') }}{%- endif -%}
    {%- set prefix = env_var('DBT_SCHEMA_PREFIX', '') -%}
    {%- set audiences = {'marts': 'bi', 'segments': 'bi', 'activation': 'activation'} -%}
    {%- for layer, audience in audiences.items() -%}
        {%- set roles = reader_roles(audience) -%}
        {%- if (prefix ~ layer) in built_schemas and roles %}
    grant usage on schema {{ adapter.quote(prefix ~ layer) }} to
            {%- for role in roles %} {{ adapter.quote(role) }}{{ ',' if not loop.last }}{% endfor %};
        {%- endif -%}
    {%- endfor -%}
{%- endmacro %}
