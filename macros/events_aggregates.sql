{#- Helpers of the per-identity-key daily event aggregates (int_events__daily_manifest,
    int_events__daily_by_key and the models that resolve identity on them). -#}

{#- The identity key of an event or aggregate row: a hash of the identifiers the event
    carries (contact_id, email_normalized, anonymous_id) and its properties.account_id, each
    written with its length so that no two different tuples (nulls included) hash the same
    input. Arguments are SQL expressions. -#}
{% macro events_identity_key(contact_id, email_normalized, anonymous_id, account_id) -%}
    {%- set parts = [] -%}
    {%- for column in [contact_id, email_normalized, anonymous_id, account_id] -%}
        {%- do parts.append(
            "coalesce(" ~ dbt.concat([
                "cast(length(" ~ column ~ ") as " ~ dbt.type_string() ~ ")", "':'", column
            ]) ~ ", '-')"
        ) -%}
        {%- if not loop.last -%}{%- do parts.append("'|'") -%}{%- endif -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}

{#- The unsigned integer value (0 to 2^32 - 1) of 8 hexadecimal digits of `hex_text`
    (an md5 hex string such as row_fingerprint) starting at `start` (1-based). The same
    number on every engine; sums of them are the day checksums of the event aggregates. -#}
{% macro events_hex8_to_bigint(hex_text, start) -%}
    {{ return(adapter.dispatch('events_hex8_to_bigint', 'customer_segmentation')(hex_text, start)) }}
{%- endmacro %}

{% macro default__events_hex8_to_bigint(hex_text, start) -%}
    cast(('0x' || substr({{ hex_text }}, {{ start }}, 8)) as bigint)
{%- endmacro %}

{% macro postgres__events_hex8_to_bigint(hex_text, start) -%}
    cast(cast(('x' || lpad(substr({{ hex_text }}, {{ start }}, 8), 16, '0')) as bit(64)) as bigint)
{%- endmacro %}

{% macro spark__events_hex8_to_bigint(hex_text, start) -%}
    cast(conv(substr({{ hex_text }}, {{ start }}, 8), 16, 10) as bigint)
{%- endmacro %}

{#- The two checksum columns of staged deliveries, as aggregate expressions over a relation
    with row_fingerprint: sums of two independent 32-bit slices of the fingerprint. A day's
    staged deliveries are unchanged when their count and both sums are (a different set
    with the same count and sums has a chance of about 2^-64). -#}
{% macro events_fingerprint_sums(fingerprint='row_fingerprint') -%}
    cast(sum({{ events_hex8_to_bigint(fingerprint, 1) }}) as bigint) as fingerprint_sum_a,
    cast(sum({{ events_hex8_to_bigint(fingerprint, 9) }}) as bigint) as fingerprint_sum_b
{%- endmacro %}

{#- For an incremental run of a model keeping the day checksums (event_count and
    events_fingerprint_sums per row): a select of every event_date of `manifest`
    (int_events__daily_manifest) that <this> does not hold, or whose event count or one of
    the two checksums differs from the sums of <this>'s rows of that day. Those are the days
    whose staged deliveries changed since the model last counted them. -#}
{% macro events_days_differing_from(manifest) -%}
    select manifest.event_date
    from {{ manifest }} as manifest
    left join (
        select
            event_date,
            cast(sum(event_count) as {{ dbt.type_bigint() }}) as event_count,
            cast(sum(fingerprint_sum_a) as {{ dbt.type_bigint() }}) as fingerprint_sum_a,
            cast(sum(fingerprint_sum_b) as {{ dbt.type_bigint() }}) as fingerprint_sum_b
        from {{ this }}
        group by event_date
    ) as stored_days
        on manifest.event_date = stored_days.event_date
    where
        stored_days.event_date is null
        or manifest.event_count <> stored_days.event_count
        or manifest.fingerprint_sum_a <> stored_days.fingerprint_sum_a
        or manifest.fingerprint_sum_b <> stored_days.fingerprint_sum_b
{%- endmacro %}

{#- Pre-hook of int_events__daily_by_key: delete the days that no longer have any staged
    event (`manifest` lists the days that do), which a delete+insert on event_date cannot
    reach (it only replaces the days the run emits). Spark (no delete without Delta) leaves
    them out when it rewrites their partitions (the model's select). Nothing to do on the
    first build. -#}
{% macro events_delete_days_without_events(manifest) -%}
    {{ return(adapter.dispatch('events_delete_days_without_events', 'customer_segmentation')(manifest)) }}
{%- endmacro %}

{% macro default__events_delete_days_without_events(manifest) -%}
    {%- if execute and not flags.FULL_REFRESH
        and adapter.get_relation(this.database, this.schema, this.identifier) is not none -%}
        delete from {{ this }} where event_date not in (select event_date from {{ manifest }})
    {%- endif -%}
{%- endmacro %}

{% macro spark__events_delete_days_without_events(manifest) -%}
{%- endmacro %}

{#- Aggregate: `value` of the row with the smallest (`order_1`, `order_2`) in the group, in
    one hash aggregation instead of a window over the whole input (the event aggregates'
    first_event_id: ties on the timestamp go to the smaller event id). The pair must be
    unique within the group and never null. -#}
{% macro first_by(value, order_1, order_2) -%}
    {{ return(adapter.dispatch('first_by', 'customer_segmentation')(value, order_1, order_2)) }}
{%- endmacro %}

{% macro default__first_by(value, order_1, order_2) -%}
    arg_min({{ value }}, row({{ order_1 }}, {{ order_2 }}))
{%- endmacro %}

{% macro spark__first_by(value, order_1, order_2) -%}
    min_by({{ value }}, struct({{ order_1 }}, {{ order_2 }}))
{%- endmacro %}

{% macro postgres__first_by(value, order_1, order_2) -%}
    (array_agg({{ value }} order by {{ order_1 }}, {{ order_2 }}))[1]
{%- endmacro %}

{#- Post-hook of int_contacts__daily_activity: keep the resolution it applied (identity key,
    contact, account) in <this>__applied_resolution, which the next incremental run compares
    with int_events__identity_resolution to find the keys whose resolution changed. The
    preceding hook drops the old copy. -#}
{% macro events_applied_resolution() -%}
    {{ return(this.incorporate(path={'identifier': this.identifier ~ '__applied_resolution'})) }}
{%- endmacro %}

{% macro events_store_applied_resolution(resolution) -%}
    create table {{ events_applied_resolution() }} {{ events_table_format() }} as
    select identity_key, contact_id, account_id from {{ resolution }}
{%- endmacro %}

{#- The storage clause of a table created by plain SQL: none, or Parquet on Spark. -#}
{% macro events_table_format() -%}
    {{ return(adapter.dispatch('events_table_format', 'customer_segmentation')()) }}
{%- endmacro %}

{% macro default__events_table_format() -%}
{%- endmacro %}

{% macro spark__events_table_format() -%}
    using parquet
{%- endmacro %}
