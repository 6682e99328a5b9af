{#- Helpers shared by the staging models (validation, normalisation, dedup).
    Engine-specific pieces go through adapter.dispatch with default__ (ANSI-ish,
    e.g. Snowflake/Databricks), duckdb__, postgres__ and spark__ variants. -#}

{#- Blank or whitespace-only text -> null; otherwise the trimmed text. -#}
{% macro staging_blank_to_null(expression) -%}
    nullif(trim({{ expression }}), '')
{%- endmacro %}

{#- True when `expression` matches the regular expression `pattern` (null when the
    expression is null). Keep patterns free of backslashes: Spark string literals
    treat them as escapes. Use [.] for a literal dot. -#}
{% macro staging_regexp_like(expression, pattern) -%}
    {%- set implementation = adapter.dispatch('staging_regexp_like', 'customer_segmentation') -%}
    {{ return(implementation(expression, pattern)) }}
{%- endmacro %}

{% macro default__staging_regexp_like(expression, pattern) -%}
    regexp_like({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{% macro duckdb__staging_regexp_like(expression, pattern) -%}
    regexp_matches({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{% macro postgres__staging_regexp_like(expression, pattern) -%}
    ({{ expression }} ~ '{{ pattern }}')
{%- endmacro %}

{% macro spark__staging_regexp_like(expression, pattern) -%}
    ({{ expression }} rlike '{{ pattern }}')
{%- endmacro %}

{#- An email is well formed when it has exactly one '@', no spaces, and a dot inside
    the domain part. Expects an already lower-cased, trimmed value. -#}
{% macro staging_is_valid_email(expression) -%}
    coalesce({{ staging_regexp_like(expression, '^[^@ ]+@[^@ ]+[.][^@ .]+$') }}, false)
{%- endmacro %}

{#- An identifier is well formed when it holds 1 to 64 letters, digits, '_', '-' and '.'
    (no whitespace, control characters, quotes, semicolons or other punctuation). Expects
    an already trimmed value. -#}
{% macro staging_is_valid_id(expression) -%}
    coalesce({{ staging_regexp_like(expression, '^[A-Za-z0-9_.-]{1,64}$') }}, false)
{%- endmacro %}

{#- True when the text holds a control character (below 0x20, or 0x7f: tab and line breaks
    included) or an invisible format character (zero-width space, joiners, word joiner, byte
    order mark) anywhere, or a space between other characters (leading and trailing spaces
    are a normalisation). Not trimmed first: some engines' trim() also strips line breaks.
    The invisible characters are written into the pattern as themselves (Jinja unescapes
    them), which every engine's regular expressions accept. Spark's patterns are Java's,
    which has no POSIX bracket classes: its variant needs a backslash, escaped once more for
    the string literal. -#}
{% macro staging_has_unprintable_or_inner_space(expression) -%}
    {{ return(adapter.dispatch(
        'staging_has_unprintable_or_inner_space', 'customer_segmentation'
    )(expression)) }}
{%- endmacro %}

{% macro staging_invisible_characters() -%}
    {{ return("\u200b\u200c\u200d\u2060\ufeff") }}
{%- endmacro %}

{% macro default__staging_has_unprintable_or_inner_space(expression) -%}
    coalesce({{ staging_regexp_like(
        expression, '[[:cntrl:]]|[' ~ staging_invisible_characters() ~ ']|[^ ] +[^ ]'
    ) }}, false)
{%- endmacro %}

{% macro spark__staging_has_unprintable_or_inner_space(expression) -%}
    coalesce((
        {{ expression }} rlike '[\\p{Cntrl}]|[{{ staging_invisible_characters() }}]|[^ ] +[^ ]'
    ), false)
{%- endmacro %}

{#- True when text that is not blank does not parse as a whole number
    ('1,200' and ' 45 ' parse; 'n/a' and '12.5' do not: a plain cast would round 12.5).
    Compared as double, not with parse_number, whose float type is too narrow. -#}
{% macro staging_is_invalid_integer(expression) -%}
    {%- set as_double = try_cast("replace(trim(" ~ expression ~ "), ',', '')", 'double') -%}
    (
        {{ staging_blank_to_null(expression) }} is not null
        and (
            {{ parse_integer(expression) }} is null
            or {{ as_double }} is null
            or {{ as_double }} <> {{ parse_integer(expression) }}
        )
    )
{%- endmacro %}

{#- True when text that is not blank does not parse as a number. -#}
{% macro staging_is_invalid_number(expression) -%}
    ({{ staging_blank_to_null(expression) }} is not null and {{ parse_number(expression) }} is null)
{%- endmacro %}

{#- parse_timestamp (strict ISO shapes, offsets converted to UTC) and parse_date, but only
    for text shaped like an ISO date (YYYY-MM-DD): PostgreSQL would otherwise accept words
    such as 'yesterday', 'now' or 'epoch', which are not data and would make results depend
    on the run date. -#}
{% macro staging_parse_timestamp(expression) -%}
    {{ parse_timestamp(expression) }}
{%- endmacro %}

{% macro staging_parse_date(expression) -%}
    case
        when {{ staging_regexp_like('trim(' ~ expression ~ ')', '^[0-9]{4}-[0-9]{2}-[0-9]{2}$') }}
            then {{ parse_date(expression) }}
    end
{%- endmacro %}

{#- True when text that is not blank does not parse as a timestamp. -#}
{% macro staging_is_invalid_timestamp(expression) -%}
    (
        {{ staging_blank_to_null(expression) }} is not null
        and {{ staging_parse_timestamp(expression) }} is null
    )
{%- endmacro %}

{#- A ';'-separated text list, normalised: lower-case, items trimmed, empty items and
    repeats dropped, sorted, joined with ';'. Null when no item is left. -#}
{% macro staging_normalize_list(expression) -%}
    {{ return(adapter.dispatch('staging_normalize_list', 'customer_segmentation')(expression)) }}
{%- endmacro %}

{% macro default__staging_normalize_list(expression) -%}
    nullif(array_to_string(array_sort(array_distinct(filter(
        transform(split(lower({{ expression }}), ';'), item -> trim(item)),
        item -> item <> ''
    ))), ';'), '')
{%- endmacro %}

{% macro duckdb__staging_normalize_list(expression) -%}
    nullif(array_to_string(list_sort(list_distinct(list_filter(
        list_transform(string_split(lower({{ expression }}), ';'), lambda item: trim(item)),
        lambda item: item <> ''
    ))), ';'), '')
{%- endmacro %}

{% macro postgres__staging_normalize_list(expression) -%}
    (
        select string_agg(distinct trim(item), ';' order by trim(item))
        from unnest(string_to_array(lower({{ expression }}), ';')) as items (item)
        where trim(item) <> ''
    )
{%- endmacro %}

{% macro spark__staging_normalize_list(expression) -%}
    nullif(array_join(array_sort(array_distinct(filter(
        transform(split(lower({{ expression }}), ';'), item -> trim(item)),
        item -> item <> ''
    ))), ';'), '')
{%- endmacro %}

{#- Deterministic fingerprint of a row's raw text: the last dedup tiebreak. -#}
{% macro staging_row_hash(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append("coalesce(cast(" ~ column ~ " as " ~ dbt.type_string() ~ "), '')") -%}
        {%- if not loop.last %}{% do parts.append("'|'") %}{% endif -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}

{#- Amount converted to the reporting currency (var reporting_currency):
    amount / units_per_usd(from) * units_per_usd(reporting), written so that a
    same-currency conversion is exact. -#}
{% macro staging_to_reporting(amount, from_units_per_usd, reporting_units_per_usd) -%}
    {{ amount }} * ({{ reporting_units_per_usd }} / {{ from_units_per_usd }})
{%- endmacro %}
