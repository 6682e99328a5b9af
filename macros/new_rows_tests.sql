{#- Data tests on new rows only (the hourly selector runs them; the daily selector runs every
    test on every row). A test checks new rows when its `where` config is
        new_rows(<column>)  or  new_rows(<column>, <SQL condition>)
    which get_where_subquery (below) expands with new_rows_where: dbt does not allow the
    project's macros in test configs, so the shorthand is expanded when the test runs. -#}

{#- The rows of `relation` whose `column` lies within the events lookback
    (var('events_lookback_hours')) of its latest value among the rows meeting `condition`:
    hours for a timestamp, whole days (rounded up, plus one) for a column named *_date. For
    the event tables (received_at) these are at least the rows the last incremental run
    re-read; for the daily aggregates (event_date) the latest days. -#}
{% macro new_rows_where(relation, column, condition='1 = 1') -%}
    {%- set hours = var('events_lookback_hours') | int -%}
    {%- if column.endswith('_date') -%}
        {%- set datepart, amount = 'day', hours // 24 + 1 -%}
    {%- else -%}
        {%- set datepart, amount = 'hour', hours -%}
    {%- endif -%}
    {{ column }} >= (
        select {{ dbt.dateadd(datepart, -1 * amount, 'max(' ~ column ~ ')') }}
        from {{ relation }}
        where {{ condition }}
    )
{%- endmacro %}

{#- dbt's get_where_subquery, with the new_rows(...) shorthand expanded. -#}
{% macro default__get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- set shorthand = modules.re.match(
            '^\\s*new_rows\\(\\s*(\\w+)\\s*(?:,\\s*(.+?))?\\s*\\)\\s*$', where
        ) -%}
        {%- if shorthand -%}
            {%- set where = new_rows_where(relation, shorthand.group(1), shorthand.group(2) or '1 = 1') -%}
        {%- endif -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
