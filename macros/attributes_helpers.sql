{#- Helpers shared by the attribute marts (models/marts/attributes) and the identity
    layer (models/intermediate/identity). Plain ANSI SQL that DuckDB, PostgreSQL and
    Spark 3+/4 all accept: `position(x in y)` (1-based, 0 when absent), `substr`,
    `length`, `replace`, `extract`. Engine-specific variants go through
    adapter.dispatch if one is ever needed. -#}

{#- True when the text `needle` occurs anywhere in `haystack` (a plain substring test:
    no wildcards, so '_' and '%' in patterns are literal). Null when either is null. -#}
{% macro attributes_contains(haystack, needle) -%}
    (position({{ needle }} in {{ haystack }}) > 0)
{%- endmacro %}

{#- True when `text` begins with `prefix` (null when either is null). -#}
{% macro attributes_starts_with(text, prefix) -%}
    (position({{ prefix }} in {{ text }}) = 1)
{%- endmacro %}

{#- True when the normalised ';'-separated list `list_expression` (lower-case, no
    empty items, as staging writes it) holds exactly the item `item` (a Python string,
    lower-case). False when the list is null. -#}
{% macro attributes_list_has(list_expression, item) -%}
    {%- set padded = dbt.concat(["';'", list_expression, "';'"]) -%}
    coalesce({{ attributes_contains(padded, "';" ~ item ~ ";'") }}, false)
{%- endmacro %}

{#- Number of items in a normalised ';'-separated list; 0 when the list is null. -#}
{% macro attributes_list_length(list_expression) -%}
    coalesce(length({{ list_expression }}) - length(replace({{ list_expression }}, ';', '')) + 1, 0)
{%- endmacro %}

{#- Age in whole completed years on `as_of` of someone born on `birth_date`: the year
    difference, minus one when the birthday (month and day) has not yet been reached in
    the as-of year. Someone born on 29 February turns a year older on 1 March in
    non-leap years. Null when birth_date is null. -#}
{% macro attributes_age_in_years(birth_date, as_of) -%}
    cast(
        extract(year from {{ as_of }}) - extract(year from {{ birth_date }})
        - case
            when extract(month from {{ as_of }}) * 100 + extract(day from {{ as_of }})
                < extract(month from {{ birth_date }}) * 100 + extract(day from {{ birth_date }})
                then 1
            else 0
        end
        as {{ dbt.type_int() }}
    )
{%- endmacro %}
