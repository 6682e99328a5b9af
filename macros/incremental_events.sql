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

{#- Spark (no Delta/Iceberg offline) has neither delete+insert nor merge. Planned:
    'insert_overwrite' with partition_by the received date, so a run overwrites every
    partition its lookback window touches (the window must then start at a partition
    boundary), or 'append' when rows are known not to be redelivered. Not tested yet. -#}
{% macro spark__incremental_strategy_for_events() -%}
    {{ return('insert_overwrite') }}
{%- endmacro %}

{#- Filter keeping the rows an incremental run must (re)process: `column` at or after
    the latest `column` already in `relation` minus the lookback. Everything passes
    when `relation` is empty. -#}
{% macro incremental_events_window_filter(relation, column='received_at') -%}
    {{ column }} >= coalesce(
        (
            select
                {{ dbt.dateadd(
                    'hour', -1 * (var('events_lookback_hours') | int), 'max(' ~ column ~ ')'
                ) }}
            from {{ relation }}
        ),
        cast('1900-01-01 00:00:00' as {{ dbt.type_timestamp() }})
    )
{%- endmacro %}

{#- Order of deliveries of one event id: the earliest received wins; ties broken by the
    hash of the raw row, then by the ordinal among byte-identical rows. Columns are
    qualified with `relation_alias`. -#}
{% macro incremental_events_delivery_order(relation_alias) -%}
    {{ relation_alias }}.received_at, {{ relation_alias }}.row_hash, {{ relation_alias }}.row_ordinal
{%- endmacro %}
