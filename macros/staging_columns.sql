{#- Column specs: each base_ staging model declares its raw columns once, in source order,
    as a list of dicts, and these macros generate from them the raw_ columns, the typed
    columns, the validity flags, the row hash and the ordered reject-reason case, so that
    every rule is written once here.

    Spec keys (only `name` and `type` are required):
      name       source column (text); its raw text is kept as raw_<name>
      type       id | email | text | list | category | boolean | integer | number | amount |
                 currency | country | timestamp | date
      as         name of the typed column (default: name)
      required   blank raw text -> missing_required_field
      required_unless  blank raw text while another spec's raw text (named here) is blank
                 too -> missing_required_field (e.g. unit_price unless line_amount)
      case       lower | upper (text, category); snake: true also turns spaces into '_'
      aliases    category: {received: normalised} applied after normalising
      default    category: the value of a blank one
      accepted   category: accepted values (others -> invalid_value)
      min        integer: smaller values -> invalid_number
      sign       integer, number, amount: positive (> 0) or non_negative (>= 0), else
                 non_positive_amount
      blank_as   number, amount: the value of a blank one (e.g. 0)
      fallback   timestamp: another spec's column whose value a blank one takes
      future     timestamp, date: false when a value after _loaded_at is allowed
      lookup     currency: the joined units_per_usd column (null -> unknown_currency);
                 country: the joined country_code column (null -> unknown_country)
      max        integer, number, amount: name of the var of the largest plausible value
                 (above it -> out_of_range); an amount is compared in the reporting currency
      rate       amount: the joined units_per_usd column of the amount's currency
      max_age    date: name of the var of the most years a date may lie before _loaded_at
                 (earlier -> out_of_range)
      fk         id: the joined column of the staged parent (null -> orphan_foreign_key)
    Every id's shape is checked (invalid_id), every timestamp earlier than the var
    plausible_min_timestamp is out_of_range.
    Columns the checks read: the typed column, raw_<name>, is_invalid_<as> (integer,
    number, amount, boolean, timestamp, date), _loaded_at and the lookup / fk columns,
    and reporting_units_per_usd (amounts with a max), which the model joins in before
    calling staging_validation_reason. -#}

{#- The order in which reject reasons are checked (the first failing check wins). -#}
{% macro staging_reason_order() -%}
    {{ return([
        'missing_required_field', 'invalid_id', 'invalid_email', 'invalid_number',
        'non_positive_amount', 'out_of_range', 'unknown_currency', 'unknown_country', 'invalid_value',
        'invalid_timestamp', 'future_timestamp', 'orphan_foreign_key',
    ]) }}
{%- endmacro %}

{% macro staging_spec_alias(spec) -%}
    {{ return(spec.get('as', spec['name'])) }}
{%- endmacro %}

{#- `select ... from source(source_name, table_name)`: every spec's column and _loaded_at,
    a column the raw table does not have filled with a typed null (text, as every raw column
    arrives), so that a user's export without an optional column stages instead of failing
    with a binder error (the raw contract, macros/raw_contract.sql, stops the run first when
    a required column is missing). Extra columns of the table are not read. The columns are
    those of the raw relation the source points to (unit-test fixtures are built with the
    same columns); when it cannot be read (parse time, no raw table) it is `select *`. -#}
{% macro staging_source_select(source_name, table_name, specs) -%}
    {%- set present = [] -%}
    {%- if execute -%}
        {%- set raw = raw_source_relation(source_name, table_name) -%}
        {%- if raw is not none -%}
            {%- for column in adapter.get_columns_in_relation(raw) -%}
                {%- do present.append(column.name | lower) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endif -%}
    {%- if not present %}
    select * from {{ source(source_name, table_name) }}
    {%- else %}
    select
        {%- for spec in specs %}
            {%- if spec['name'] | lower in present %}
        {{ spec['name'] }},
            {%- else %}
        cast(null as {{ dbt.type_string() }}) as {{ spec['name'] }},
            {%- endif %}
        {%- endfor %}
        _loaded_at
    from {{ source(source_name, table_name) }}
    {%- endif %}
{%- endmacro %}

{#- The raw relation a source table points to, or none when it does not exist. From the
    graph's source node; in a unit test (whose graph has no sources) from the same vars the
    sources YAML reads (<table>_database, <table>_schema, <table>_identifier). -#}
{% macro raw_source_relation(source_name, table_name) -%}
    {%- set sources = graph.get('sources') if graph is mapping else none -%}
    {%- if sources -%}
        {%- for node in sources.values()
            if node.source_name == source_name and node.name == table_name -%}
            {{ return(adapter.get_relation(
                database=node.database, schema=node.schema, identifier=node.identifier
            )) }}
        {%- endfor -%}
    {%- endif -%}
    {{ return(adapter.get_relation(
        database=raw_table_database(table_name),
        schema=raw_table_schema(table_name),
        identifier=raw_table_identifier(table_name),
    )) }}
{%- endmacro %}

{#- raw_<name> for every spec, then _loaded_at. -#}
{% macro staging_raw_columns(specs) -%}
    {%- for spec in specs %}
        {{ spec['name'] }} as raw_{{ spec['name'] }},
    {%- endfor %}
        _loaded_at
{%- endmacro %}

{#- Blank -> null, trimmed, then the spec's case and snake normalisation. -#}
{% macro staging_normalize_text(expression, spec) -%}
    {%- set value = staging_blank_to_null(expression) -%}
    {%- if spec.get('case') == 'lower' or spec.get('snake') -%}
        {%- set value = 'lower(' ~ value ~ ')' -%}
    {%- elif spec.get('case') == 'upper' -%}
        {%- set value = 'upper(' ~ value ~ ')' -%}
    {%- endif -%}
    {%- if spec.get('snake') -%}
        {%- set value = "replace(" ~ value ~ ", ' ', '_')" -%}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#- The typed value of one spec. -#}
{% macro staging_typed_value(spec) -%}
    {%- set name = spec['name'] -%}
    {%- set type = spec['type'] -%}
    {%- if type in ('id', 'text') -%}
        {{ staging_normalize_text(name, spec) }}
    {%- elif type == 'email' -%}
        lower({{ staging_blank_to_null(name) }})
    {%- elif type == 'currency' -%}
        upper({{ staging_blank_to_null(name) }})
    {%- elif type == 'country' -%}
        lower({{ staging_blank_to_null(name) }})
    {%- elif type == 'list' -%}
        {{ staging_normalize_list(name) }}
    {%- elif type == 'category' -%}
        {%- set value = staging_normalize_text(name, spec) -%}
        {%- if spec.get('aliases') or spec.get('default') is not none -%}
        case
            {%- if spec.get('default') is not none %}
            when {{ value }} is null then '{{ spec['default'] }}'
            {%- endif %}
            {%- for received, normalised in spec.get('aliases', {}).items() %}
            when {{ value }} = '{{ received }}' then '{{ normalised }}'
            {%- endfor %}
            else {{ value }}
        end
        {%- else -%}
        {{ value }}
        {%- endif -%}
    {%- elif type == 'boolean' -%}
        {{ parse_boolean(name) }}
    {%- elif type == 'integer' -%}
        case when not {{ staging_is_invalid_integer(name) }} then {{ parse_integer(name) }} end
    {%- elif type in ('number', 'amount') -%}
        {%- if spec.get('blank_as') is not none -%}
        case
            when {{ staging_blank_to_null(name) }} is null then {{ spec['blank_as'] }}
            else {{ parse_number(name) }}
        end
        {%- else -%}
        {{ parse_number(name) }}
        {%- endif -%}
    {%- elif type == 'timestamp' -%}
        {%- if spec.get('fallback') -%}
        coalesce({{ staging_parse_timestamp(name) }}, {{ staging_parse_timestamp(spec['fallback']) }})
        {%- else -%}
        {{ staging_parse_timestamp(name) }}
        {%- endif -%}
    {%- elif type == 'date' -%}
        {{ staging_parse_date(name) }}
    {%- else -%}
        {{ exceptions.raise_compiler_error("unknown staging column type '" ~ type ~ "' of " ~ name) }}
    {%- endif -%}
{%- endmacro %}

{#- True when the spec's raw text is given but cannot be read as its type. -#}
{% macro staging_invalid_flag(spec) -%}
    {%- set name = spec['name'] -%}
    {%- set type = spec['type'] -%}
    {%- if type == 'integer' -%}
        {{ staging_is_invalid_integer(name) }}
    {%- elif type in ('number', 'amount') -%}
        {{ staging_is_invalid_number(name) }}
    {%- elif type == 'boolean' -%}
        ({{ staging_blank_to_null(name) }} is not null and {{ parse_boolean(name) }} is null)
    {%- elif type == 'timestamp' -%}
        {{ staging_is_invalid_timestamp(name) }}
    {%- elif type == 'date' -%}
        ({{ staging_blank_to_null(name) }} is not null and {{ staging_parse_date(name) }} is null)
    {%- endif -%}
{%- endmacro %}

{#- The typed column of every spec, then an is_invalid_<as> flag for each spec whose text
    may not parse. -#}
{% macro staging_typed_columns(specs) -%}
    {%- for spec in specs %}
        {{ staging_typed_value(spec) }} as {{ staging_spec_alias(spec) }},
    {%- endfor %}
    {%- for spec in specs if spec['type'] in (
        'integer', 'number', 'amount', 'boolean', 'timestamp', 'date'
    ) %}
        {{ staging_invalid_flag(spec) }} as is_invalid_{{ staging_spec_alias(spec) }},
    {%- endfor %}
        {{ staging_row_hash(specs | map(attribute='name') | list + ['_loaded_at']) }} as row_hash
{%- endmacro %}

{#- The conditions of one reject reason that the specs imply. -#}
{% macro staging_spec_conditions(spec, reason) -%}
    {%- set column = staging_spec_alias(spec) -%}
    {%- set type = spec['type'] -%}
    {%- set conditions = [] -%}
    {%- if reason == 'missing_required_field' and spec.get('required') -%}
        {%- do conditions.append(staging_blank_to_null('raw_' ~ spec['name']) ~ ' is null') -%}
    {%- elif reason == 'missing_required_field' and spec.get('required_unless') -%}
        {%- do conditions.append(
            staging_blank_to_null('raw_' ~ spec['name']) ~ ' is null and '
            ~ staging_blank_to_null('raw_' ~ spec['required_unless']) ~ ' is null'
        ) -%}
    {%- elif reason == 'invalid_id' and type == 'id' -%}
        {%- do conditions.append(column ~ ' is not null and not ' ~ staging_is_valid_id(column)) -%}
    {%- elif reason == 'invalid_email' and type == 'email' -%}
        {#- the raw text: a line break is never trimmed away -#}
        {%- do conditions.append(staging_has_unprintable_or_inner_space('raw_' ~ spec['name'])) -%}
        {%- do conditions.append(
            column ~ ' is not null and not ' ~ staging_is_valid_email(column)
        ) -%}
    {%- elif reason == 'invalid_number' and type in ('integer', 'number', 'amount') -%}
        {%- do conditions.append('is_invalid_' ~ column) -%}
        {%- if spec.get('min') is not none -%}
            {%- do conditions.append(column ~ ' < ' ~ spec['min']) -%}
        {%- endif -%}
    {%- elif reason == 'non_positive_amount' and spec.get('sign') == 'positive' -%}
        {%- do conditions.append(column ~ ' <= 0') -%}
    {%- elif reason == 'non_positive_amount' and spec.get('sign') == 'non_negative' -%}
        {%- do conditions.append(column ~ ' < 0') -%}
    {%- elif reason == 'out_of_range' and spec.get('max') and type == 'integer' -%}
        {%- do conditions.append(column ~ ' > ' ~ var(spec['max'])) -%}
    {%- elif reason == 'out_of_range' and spec.get('max') and type in ('number', 'amount') -%}
        {%- set value = staging_to_reporting(column, spec['rate'], 'reporting_units_per_usd')
            if spec.get('rate') else column -%}
        {%- do conditions.append(value ~ ' > ' ~ var(spec['max'])) -%}
    {%- elif reason == 'out_of_range' and type == 'timestamp' -%}
        {%- do conditions.append(
            column ~ " < cast('" ~ var('plausible_min_timestamp') ~ "' as "
            ~ dbt.type_timestamp() ~ ")"
        ) -%}
    {%- elif reason == 'out_of_range' and type == 'date' and spec.get('max_age') -%}
        {%- do conditions.append(
            column ~ ' < ' ~ staging_add_years('cast(_loaded_at as date)', '-' ~ var(spec['max_age']))
        ) -%}
    {%- elif reason == 'unknown_currency' and type == 'currency' -%}
        {%- do conditions.append(column ~ ' is not null and ' ~ spec['lookup'] ~ ' is null') -%}
    {%- elif reason == 'unknown_country' and type == 'country' -%}
        {%- do conditions.append(column ~ ' is not null and ' ~ spec['lookup'] ~ ' is null') -%}
    {%- elif reason == 'invalid_value' and type == 'category' and spec.get('accepted') -%}
        {%- do conditions.append(
            column ~ " not in ('" ~ spec['accepted'] | join("', '") ~ "')"
        ) -%}
    {%- elif reason == 'invalid_value' and type == 'boolean' -%}
        {%- do conditions.append('is_invalid_' ~ column) -%}
    {%- elif reason == 'invalid_timestamp' and type in ('timestamp', 'date') -%}
        {%- do conditions.append('is_invalid_' ~ column) -%}
    {%- elif reason == 'future_timestamp' and type == 'timestamp' and spec.get('future', true) -%}
        {%- do conditions.append(column ~ ' > _loaded_at') -%}
    {%- elif reason == 'future_timestamp' and type == 'date' and spec.get('future', true) -%}
        {%- do conditions.append(column ~ ' > cast(_loaded_at as date)') -%}
    {%- elif reason == 'orphan_foreign_key' and spec.get('fk') -%}
        {%- do conditions.append(column ~ ' is not null and ' ~ spec['fk'] ~ ' is null') -%}
    {%- endif -%}
    {{ return(conditions) }}
{%- endmacro %}

{#- `case ... end as validation_reason`: every reason in staging_reason_order(), each with
    the conditions its specs imply and the model's own `extra` conditions
    ({reason: [sql, ...]}), appended after them. -#}
{% macro staging_validation_reason(specs, extra={}) -%}
        case
    {%- for reason in staging_reason_order() %}
        {%- set conditions = [] %}
        {%- for spec in specs %}
            {%- for condition in staging_spec_conditions(spec, reason) %}
                {%- do conditions.append(condition) %}
            {%- endfor %}
        {%- endfor %}
        {%- for condition in extra.get(reason, []) %}
            {%- do conditions.append(condition) %}
        {%- endfor %}
        {%- for condition in conditions %}
            when {{ condition }} then '{{ reason }}'
        {%- endfor %}
    {%- endfor %}
        end as validation_reason
{%- endmacro %}

{#- Rank among rows with the same id and validation outcome (1 = the version staged when
    valid); `order_by` lists the tiebreaks before the raw row hash. -#}
{% macro staging_version_rank(id_column, order_by) -%}
        row_number() over (
            partition by validation_reason, {{ id_column }}
            order by
            {%- for column in order_by %}
                {{ column }} desc nulls last,
            {%- endfor %}
                row_hash desc
        ) as version_rank
{%- endmacro %}

{#- The row's validation reason, or 'duplicate' for a valid row that lost the dedup. -#}
{% macro staging_reject_reason() -%}
        case
            when validation_reason is not null then validation_reason
            when version_rank > 1 then 'duplicate'
        end as reject_reason
{%- endmacro %}

{#- The import CTEs of the reporting currency: `fx_rates` (the seed) and `reporting_rate`
    (units_per_usd of var reporting_currency, as reporting_units_per_usd). -#}
{% macro staging_fx_ctes() -%}
fx_rates as (

    select * from {{ ref('fx_rates') }}

),

reporting_rate as (

    select units_per_usd as reporting_units_per_usd
    from fx_rates
    where currency_code = '{{ var("reporting_currency") }}'

)
{%- endmacro %}

{#- The `cleaned` CTE: every raw column as raw_<name>, _loaded_at, the typed columns, the
    validity flags and the row hash of the CTE `source`. -#}
{% macro staging_cleaned_cte(specs) -%}
cleaned as (

    select
        {{ staging_raw_columns(specs) }},
        {{ staging_typed_columns(specs) }}
    from source

)
{%- endmacro %}

{#- The `validated` CTE (validation_reason over the CTE `enriched`, see
    staging_validation_reason) and the `ranked` CTE (version_rank among rows with the same
    `id_column` and validation outcome, latest `order_by` first, then the row hash). -#}
{% macro staging_validation_ctes(specs, id_column, order_by, extra={}) -%}
validated as (

    select
        *,
        {{ staging_validation_reason(specs, extra) }}
    from enriched

),

ranked as (

    select
        *,
        {{ staging_version_rank(id_column, order_by) }}
    from validated

)
{%- endmacro %}
