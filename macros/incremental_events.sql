{#- Incremental helpers for the event stream (stg_events__events and its _rejected twin).

    Assumption that makes incremental = full refresh: a raw event lands in the raw table
    at most var('events_lookback_hours') after the latest received_at already processed
    (received_at is the collector's receive time, so it is monotone up to that loading
    delay). Each run re-reads the window [max(received_at) in the target - lookback, ...)
    and recomputes it; everything older is final. -#}

{#- Incremental strategy of the event models. delete+insert on the unique key works on
    DuckDB, PostgreSQL and most warehouses. -#}
{% macro incremental_strategy_for_events() -%}
    {{ return(adapter.dispatch('incremental_strategy_for_events', 'customer_segmentation')()) }}
{%- endmacro %}

{% macro default__incremental_strategy_for_events() -%}
    {{ return('delete+insert') }}
{%- endmacro %}

{#- Spark (no Delta/Iceberg offline) has neither delete+insert nor merge: the event models
    use insert_overwrite on a partition column (dynamic partition overwrite). Every
    partition an incremental run writes is replaced as a whole, so on Spark a model's
    incremental output must hold the complete new content of each partition it touches:
    see incremental_events_select. -#}
{% macro spark__incremental_strategy_for_events() -%}
    {{ return('insert_overwrite') }}
{%- endmacro %}

{#- partition_by config of an event model: `column` on engines whose incremental strategy
    replaces whole partitions (Spark), none elsewhere. -#}
{% macro incremental_events_partition_by(column) -%}
    {{ return(adapter.dispatch('incremental_events_partition_by', 'customer_segmentation')(column)) }}
{%- endmacro %}

{% macro default__incremental_events_partition_by(column) -%}
    {{ return(none) }}
{%- endmacro %}

{% macro spark__incremental_events_partition_by(column) -%}
    {{ return([column]) }}
{%- endmacro %}

{#- The final select of an event model: `select * from <cte>`. On engines that replace whole
    partitions (Spark), an incremental run also re-emits the rows of `this` that the run keeps,
    so that every partition it writes is complete:
      keep='partitions_of_key'  rows of the partitions (`partition_column`) the new rows fall
                                in or replace, minus the rows the new rows replace (same
                                `unique_key`): delete+insert on unique_key, partition-wise;
      keep='before_window'      rows received before the lookback window (they are final;
                                the window's rows are recomputed by the run); rows without
                                received_at are re-read by every run.
    Columns are listed by name (Spark moves partition columns to the end of a table). In a
    dbt unit test `this` is a fixture without catalog columns: only the new rows are selected,
    as on the other engines, so the unit tests check the same rows everywhere. -#}
{% macro incremental_events_select(cte, keep, unique_key=none, partition_column=none) -%}
    {%- set columns = [] -%}
    {%- if execute and is_incremental() and incremental_events_partition_by(partition_column) -%}
        {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | list -%}
    {%- endif -%}
    {%- if columns -%}
        {%- set column_list = columns | join(', ') -%}
        select {{ column_list }} from {{ cte }}
        union all
        select
            {%- for column in columns %} existing_rows.{{ column }}{{ ',' if not loop.last }}{% endfor %}
        from {{ this }} as existing_rows
        {%- if keep == 'partitions_of_key' %}
        where
            existing_rows.{{ partition_column }} in (
                select {{ partition_column }} from {{ cte }}
                union
                select replaced_rows.{{ partition_column }}
                from {{ this }} as replaced_rows
                inner join {{ cte }} as new_rows
                    on replaced_rows.{{ unique_key }} = new_rows.{{ unique_key }}
            )
            and not exists (
                select 1 from {{ cte }} as new_rows
                where new_rows.{{ unique_key }} = existing_rows.{{ unique_key }}
            )
        {%- elif keep == 'before_window' %}
        where
            existing_rows.received_at is not null
            and not ({{ incremental_events_window_filter(this, 'existing_rows.received_at') }})
        {%- else %}
            {{ exceptions.raise_compiler_error("incremental_events_select: unknown keep '" ~ keep ~ "'") }}
        {%- endif %}
    {%- else -%}
        select * from {{ cte }}
    {%- endif -%}
{%- endmacro %}

{#- Filter keeping the rows an incremental run must (re)process: `column` at or after
    the latest received_at already in `relation` minus the lookback. Everything passes
    when `relation` is empty.
    The window start is read when the model runs and written into the SQL as a literal:
    a constant lets the engine push the filter through base_events__events down to the raw
    scan (Parquet row groups, partitions). A scalar subquery is not pushed down, so every
    run would read and hash every raw event (at 10M events: 11 s instead of 0.4 s to find
    the window's rows). In a dbt unit test `relation` is a fixture CTE, so the subquery
    stays in the SQL. -#}
{% macro incremental_events_window_filter(relation, column='received_at') -%}
    {%- set window_start -%}
        coalesce(
            (
                select
                    {{ dbt.dateadd(
                        'hour', -1 * (var('events_lookback_hours') | int), 'max(received_at)'
                    ) }}
                from {{ relation }}
            ),
            cast('1900-01-01 00:00:00' as {{ dbt.type_timestamp() }})
        )
    {%- endset -%}
    {%- if execute and model.resource_type != 'unit_test' -%}
        {%- set start_text = run_query(
            'select cast(' ~ window_start ~ ' as ' ~ dbt.type_string() ~ ')'
        ).columns[0].values()[0] -%}
        {%- set window_start = "cast('" ~ start_text ~ "' as " ~ dbt.type_timestamp() ~ ")" -%}
    {%- endif -%}
    {{ column }} >= {{ window_start }}
{%- endmacro %}

{#- Order of deliveries of one event id: the earliest received wins; ties broken by the
    hash of the raw row, then by the ordinal among byte-identical rows. Columns are
    qualified with `relation_alias`. -#}
{% macro incremental_events_delivery_order(relation_alias) -%}
    {{ relation_alias }}.received_at, {{ relation_alias }}.row_hash, {{ relation_alias }}.row_ordinal
{%- endmacro %}
