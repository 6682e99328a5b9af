{#- Hashed identifiers for the BI-facing layers (docs/privacy.md).

    email_sha256(expression): the SHA-256 of the normalised address (trimmed, lower-cased) as
    64 lower-case hex digits, the same text on every engine; null for a null or empty address.
    It is the join key BI tools and destinations use instead of the address itself
    (sha256('alice@example.com') = ff8d9819fc0e12bf0d24892e45987e249a28dce836a85cad60e28eaaa8c6d976). -#}
{% macro email_sha256(expression) -%}
    {{ sha256_hex('nullif(lower(trim(' ~ expression ~ ")), '')") }}
{%- endmacro %}

{#- sha256_hex(expression): SHA-256 of a text's UTF-8 bytes as lower-case hex. -#}
{% macro sha256_hex(expression) -%}
    {{ return(adapter.dispatch('sha256_hex', 'customer_segmentation')(expression)) }}
{%- endmacro %}

{% macro default__sha256_hex(expression) -%}
    encode(sha256(convert_to({{ expression }}, 'UTF8')), 'hex')
{%- endmacro %}

{% macro duckdb__sha256_hex(expression) -%}
    sha256({{ expression }})
{%- endmacro %}

{% macro spark__sha256_hex(expression) -%}
    sha2({{ expression }}, 256)
{%- endmacro %}
