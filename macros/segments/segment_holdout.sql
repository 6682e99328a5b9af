{#- Deterministic holdout assignment, identical on every engine and every run.

    bucket = int(first 8 hex digits of md5(salt || '|' || segment_id || '|' || entity_type
             || '|' || entity_id), base 16) mod 10000            -> 0 .. 9999
    is_holdout = bucket < holdout_pct * 100

    md5 gives the same hex text everywhere, so a member's bucket only changes when the salt
    (var segments_holdout_salt) changes. custseg/export.py re-computes the same bucket in
    Python (holdout_bucket) and the tests compare the two. -#}

{#- The holdout bucket (0-9999) of an entity in a segment; arguments are SQL expressions. -#}
{% macro segment_holdout_bucket(segment_id, entity_type, entity_id) -%}
    {%- set hashed = dbt.hash(dbt.concat([
        segment_literal(var('segments_holdout_salt')), "'|'", segment_id, "'|'",
        entity_type, "'|'", entity_id,
    ])) -%}
    mod({{ segment_hex_to_bigint('substr(' ~ hashed ~ ', 1, 8)') }}, 10000)
{%- endmacro %}

{#- An unsigned integer from a text of up to 15 hexadecimal digits. -#}
{% macro segment_hex_to_bigint(hex_expression) -%}
    {{ return(adapter.dispatch('segment_hex_to_bigint', 'customer_segmentation')(hex_expression)) }}
{%- endmacro %}

{% macro default__segment_hex_to_bigint(hex_expression) -%}
    cast({{ dbt.concat(["'0x'", hex_expression]) }} as bigint)
{%- endmacro %}

{% macro postgres__segment_hex_to_bigint(hex_expression) -%}
    cast(cast({{ dbt.concat(["'x'", "lpad(" ~ hex_expression ~ ", 16, '0')"]) }} as bit(64)) as bigint)
{%- endmacro %}

{% macro spark__segment_hex_to_bigint(hex_expression) -%}
    cast(conv({{ hex_expression }}, 16, 10) as bigint)
{%- endmacro %}
