{#- The rows of `relation` whose `column` lies within the events lookback
    (var('events_lookback_hours')) of its latest value among the rows meeting `condition`:
    hours for a timestamp, whole days (rounded up, plus one) for a column named *_date. For
    the event tables (received_at) these are at least the rows the last incremental run
    re-read; for the daily aggregates (event_date) the latest days. The *_in_new_rows tests
    (tests/generic/new_rows.sql) check only these rows. -#}
{% macro new_rows(relation, column, condition='1 = 1') -%}
    {%- set hours = var('events_lookback_hours') | int -%}
    {%- if column.endswith('_date') -%}
        {%- set datepart, amount = 'day', hours // 24 + 1 -%}
    {%- else -%}
        {%- set datepart, amount = 'hour', hours -%}
    {%- endif -%}
    (
        select *
        from {{ relation }}
        where {{ column }} >= (
            select {{ dbt.dateadd(datepart, -1 * amount, 'max(' ~ column ~ ')') }}
            from {{ relation }}
            where {{ condition }}
        )
    ) new_rows
{%- endmacro %}
