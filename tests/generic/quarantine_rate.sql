{#- Quarantine guard: fails for every raw table whose rejected_share is above the share held
    by the var `share_var` (0-1), and logs each table's guard_message (e.g.
    "crm_contacts: 100% rejected (missing_required_field 2357)") so the build output names
    the table and its top reasons. Used on staging_quarantine_rates twice: severity warn
    with var quarantine_warn_share, severity error with var quarantine_error_share. -#}
{% test quarantine_rate(model, share_var) %}
{%- set threshold = var(share_var) | float -%}
{%- if execute and flags.WHICH in ('build', 'test') -%}
    {%- set relation = adapter.get_relation(
        database=model.database, schema=model.schema, identifier=model.identifier
    ) -%}
    {%- if relation is not none -%}
        {%- set rows = run_query(
            'select guard_message from ' ~ relation ~ ' where rejected_share > ' ~ threshold
            ~ ' order by raw_table'
        ) -%}
        {%- for row in rows -%}
            {%- do log(
                'Quarantine rate above ' ~ share_var ~ ' (' ~ threshold ~ '): ' ~ row[0], info=true
            ) -%}
        {%- endfor -%}
    {%- endif -%}
{%- endif %}
select *
from {{ model }}
where rejected_share > {{ threshold }}
{% endtest %}
