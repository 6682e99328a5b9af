{#- The date every time-relative rule is computed "as of".
    Reads var('as_of_date') (YYYY-MM-DD); empty means the UTC day the run started. -#}
{% macro as_of_date_string() -%}
    {%- set value = var('as_of_date', '') | string | trim -%}
    {%- if value in ('', 'None', 'none') -%}
        {{ return(run_started_at.strftime('%Y-%m-%d')) }}
    {%- endif -%}
    {%- if modules.re.match('^\d{4}-\d{2}-\d{2}$', value) is none -%}
        {{ exceptions.raise_compiler_error("var('as_of_date') must be YYYY-MM-DD, got '" ~ value ~ "'") }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{% macro as_of_date() -%}
    cast('{{ as_of_date_string() }}' as date)
{%- endmacro %}

{#- First instant after the as-of day: events strictly before it are "known as of" the date. -#}
{% macro as_of_cutoff() -%}
    cast('{{ (modules.datetime.datetime.strptime(as_of_date_string(), "%Y-%m-%d") + modules.datetime.timedelta(days=1)).strftime("%Y-%m-%d") }} 00:00:00' as {{ dbt.type_timestamp() }})
{%- endmacro %}
