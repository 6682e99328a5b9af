{#- Incremental helpers for the event stream (base_events__events; stg_events__events and
    stg_events__events_rejected are views over it).

    Assumption that makes incremental = full refresh: a raw event lands in the raw table
    at most var('events_lookback_hours') after the latest plausible received_at already
    processed (received_at is the collector's receive time, so it is monotone up to that
    loading delay). Each run re-reads the raw rows received since
    [max(received_at) in the target - lookback], the rows without received_at, and
    recomputes from the target's own copy every delivery whose fate can change without a
    new raw row (see base_events__events). Guard: before trusting the window, each run
    compares the number of raw rows received before the window start with the number of
    target rows before it; when they differ (a load later than the lookback), the run
    re-reads every raw row and logs a warning. -#}

{#- Incremental strategy of the event model. delete+insert on the unique key works on
    DuckDB, PostgreSQL and most warehouses. -#}
{% macro incremental_strategy_for_events() -%}
    {{ return(adapter.dispatch('incremental_strategy_for_events', 'customer_segmentation')()) }}
{%- endmacro %}

{% macro default__incremental_strategy_for_events() -%}
    {{ return('delete+insert') }}
{%- endmacro %}

{#- Spark (no Delta/Iceberg offline) has neither delete+insert nor merge: the event model
    uses insert_overwrite on a partition column (dynamic partition overwrite). Every
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
                                `unique_key`): delete+insert on unique_key, partition-wise.
    `erased` (SQL, unqualified columns of `this`): rows of erased people; the partitions
    holding one are rewritten without them (what the delete pre-hook does elsewhere). A
    partition holding only such rows cannot be emptied by a dynamic partition overwrite: the
    erasure documentation says to rebuild the model with --full-refresh then.
    Columns are listed by name (Spark moves partition columns to the end of a table). In a
    dbt unit test `this` is a fixture without catalog columns: only the new rows are selected,
    as on the other engines, so the unit tests check the same rows everywhere. -#}
{% macro incremental_events_select(cte, keep, unique_key=none, partition_column=none, erased='false') -%}
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
                {%- if erased | trim != 'false' %}
                union
                select erased_rows.{{ partition_column }}
                from {{ this }} as erased_rows
                where {{ erased }}
                {%- endif %}
            )
            and not exists (
                select 1 from {{ cte }} as new_rows
                where new_rows.{{ unique_key }} = existing_rows.{{ unique_key }}
            )
            {%- if erased | trim != 'false' %}
            and not {{ erased }}
            {%- endif %}
        {%- else %}
            {{ exceptions.raise_compiler_error("incremental_events_select: unknown keep '" ~ keep ~ "'") }}
        {%- endif %}
    {%- else -%}
        select * from {{ cte }}
    {%- endif -%}
{%- endmacro %}

{#- The run's load time as a timestamp literal: var('events_load_time'), or the time the
    run started (UTC) when the var is empty. Events received later than this plus
    var('events_max_clock_skew_minutes') are future_timestamp. -#}
{% macro events_load_time() -%}
    {%- set load_time = var('events_load_time', '') | string | trim -%}
    {%- if not load_time -%}
        {%- set load_time = run_started_at.strftime('%Y-%m-%d %H:%M:%S') -%}
    {%- endif -%}
    cast('{{ load_time }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- The plausibility floor of event timestamps (var plausible_min_timestamp) as a literal. -#}
{% macro events_min_timestamp() -%}
    cast('{{ var("plausible_min_timestamp") }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- Start of the received_at window an incremental run re-reads from the raw table, as SQL:
    [max(received_at) of the target's plausible rows - lookback]. Rows whose received_at
    failed a plausibility check (future_timestamp, out_of_range) do not count, so one
    delivery stamped 9999-12-31 cannot move the window past every later event. Returns
    none when every raw row must be read: the target is empty, or the late-load guard fired.

    Outside unit tests the start is read when the model runs and written into the SQL as a
    literal: a constant lets the engine push the filter down to the raw scan (Parquet row
    groups, partitions); a scalar subquery is not pushed down, so every run would read and
    hash every raw event (at 10M events: 11 s instead of 0.4 s to find the window's rows).
    In a dbt unit test `this` is a fixture CTE, so the subquery stays in the SQL.

    Late-load guard: the target holds one row per raw delivery, so the raw rows received
    before the window start and the target's rows before it must be as many. When they
    differ, some raw row landed later than the lookback: the run re-reads every raw row (a
    correct, slower run) and logs a warning. The raw table is append-only: a run never
    removes a delivery that disappeared from it (the counts then differ on every run and the
    warning says to run --full-refresh). Rows of erased people (`erased_raw` on the raw
    table, `erased_this` on the target: SQL predicates) are counted on neither side. -#}
{% macro incremental_events_window_start(raw_relation, erased_raw='false', erased_this='false') -%}
    {%- set start_sql -%}
        (
            select
                {{ dbt.dateadd(
                    'hour', -1 * (var('events_lookback_hours') | int), 'max(received_at)'
                ) }}
            from {{ this }}
            where
                validation_reason is null
                or validation_reason not in ('future_timestamp', 'out_of_range')
        )
    {%- endset -%}
    {%- if not execute or model.resource_type == 'unit_test' -%}
        {{ return("coalesce(" ~ start_sql ~ ", cast('1900-01-01 00:00:00' as "
            ~ dbt.type_timestamp() ~ "))") }}
    {%- endif -%}
    {%- set start_value = run_query(
        'select cast(' ~ start_sql ~ ' as ' ~ dbt.type_string() ~ ')'
    ).columns[0].values()[0] -%}
    {%- if start_value is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set start_literal = "cast('" ~ start_value ~ "' as " ~ dbt.type_timestamp() ~ ")" -%}
    {%- set counts = run_query(
        'select (select count(*) from ' ~ raw_relation ~ ' where received_at < ' ~ start_literal
        ~ ' and not ' ~ erased_raw ~ '), (select count(*) from ' ~ this
        ~ ' where received_at < ' ~ start_literal ~ ' and not ' ~ erased_this ~ ')'
    ).rows[0] -%}
    {%- if counts[0] | int != counts[1] | int -%}
        {%- do exceptions.warn(
            this ~ ': the raw table holds ' ~ counts[0] ~ ' events received before '
            ~ start_value ~ ' (the lookback window start) but the model holds ' ~ counts[1]
            ~ ': events were loaded later than var(events_lookback_hours) allows. This run'
            ~ ' re-reads every raw event (slower, but nothing is lost); raise the lookback'
            ~ ' if such late loads are normal. If raw events were deleted instead, run'
            ~ ' this model with --full-refresh.'
        ) -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(start_literal) }}
{%- endmacro %}

{#- Order of valid deliveries of one event id: the earliest received wins; ties broken by
    the hash of the raw row (byte-identical rows stay tied: their ordinal is their position
    among these peers). Columns are qualified with `relation_alias`. -#}
{% macro incremental_events_delivery_order(relation_alias) -%}
    {{ relation_alias }}.received_at, {{ relation_alias }}.row_hash
{%- endmacro %}
