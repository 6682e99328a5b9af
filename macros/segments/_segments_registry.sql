{#- The segment registry: finds every segment definition, checks its metadata and hands the
    segment models a sorted list of segments.

    A segment is a macro named `segment__<segment_id>` (one file per segment under
    macros/segments/<category>/) that returns a select of `entity_id` and `reason`, plus one
    YAML entry under `macros:` (macros/segments/_segments.yml) whose description and
    config.meta describe it. Macros are known when a model is parsed (dbt's `graph` is not), so
    the union model finds new segments without a central list to edit. -#}

{#- Categories a segment may declare (meta.category). -#}
{% macro segment_categories() -%}
    {{ return([
        'demographic', 'geographic', 'psychographic', 'behavioral', 'value', 'firmographic',
        'engagement', 'lifecycle', 'persona', 'needs', 'sophistication', 'account_health',
    ]) }}
{%- endmacro %}

{#- Entity types and the profile model each one's ids come from. -#}
{% macro segment_entity_types() -%}
    {{ return({'contact': 'contact_profile', 'account': 'account_profile'}) }}
{%- endmacro %}

{#- Metadata of one segment macro, checked: a list of problems is raised as one compile
    error naming the segment. Returns a dict with every catalog field filled in. -#}
{% macro segment_metadata(macro_name) -%}
    {%- set segment_id = macro_name[9:] -%}
    {%- set node = context[macro_name].macro -%}
    {#- YAML properties of macros are attached after models are parsed: while parsing (only
        refs are collected then) the metadata is not known yet, so it is checked at run time. -#}
    {%- if not execute -%}
        {{ return({
            'segment_id': segment_id, 'macro_name': macro_name, 'label': segment_id,
            'description': '', 'purpose': '', 'category': '', 'entity_type': '', 'owner': '',
            'colour': '', 'exclusive_group': none, 'priority': none, 'holdout_pct': 0,
        }) }}
    {%- endif -%}
    {%- set meta = node.meta if node.meta else {} -%}
    {%- set problems = [] -%}
    {%- if not meta -%}
        {%- do problems.append(
            "no metadata: add an entry `- name: " ~ macro_name ~ "` with config.meta under "
            ~ "`macros:` in macros/segments/_segments.yml"
        ) -%}
    {%- else -%}
        {%- for key in ['id', 'label', 'purpose', 'category', 'entity_type', 'owner', 'colour'] -%}
            {%- if meta.get(key) is none or (meta.get(key) | string | trim) == '' -%}
                {%- do problems.append("meta." ~ key ~ " is required") -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if meta.get('id') and meta.get('id') != segment_id -%}
            {%- do problems.append(
                "meta.id '" ~ meta.get('id') ~ "' must equal the macro name suffix '"
                ~ segment_id ~ "'"
            ) -%}
        {%- endif -%}
        {%- if modules.re.match('^[a-z][a-z0-9_]*$', segment_id) is none -%}
            {%- do problems.append("the segment id must be lower_snake_case") -%}
        {%- endif -%}
        {%- if meta.get('category') and meta.get('category') not in segment_categories() -%}
            {%- do problems.append(
                "unknown meta.category '" ~ meta.get('category') ~ "' (one of: "
                ~ segment_categories() | join(', ') ~ ")"
            ) -%}
        {%- endif -%}
        {%- if meta.get('entity_type') and meta.get('entity_type') not in segment_entity_types() -%}
            {%- do problems.append(
                "unknown meta.entity_type '" ~ meta.get('entity_type') ~ "' (contact or account)"
            ) -%}
        {%- endif -%}
        {%- if meta.get('colour')
            and modules.re.match('^#[0-9a-fA-F]{6}$', meta.get('colour') | string) is none -%}
            {%- do problems.append("meta.colour must be a hex colour such as '#1f77b4'") -%}
        {%- endif -%}
        {%- if meta.get('exclusive_group') and meta.get('priority') is not number -%}
            {%- do problems.append("meta.priority (an integer) is required with meta.exclusive_group") -%}
        {%- endif -%}
        {%- if meta.get('holdout_pct') is not none
            and (meta.get('holdout_pct') is not number
                 or meta.get('holdout_pct') < 0 or meta.get('holdout_pct') >= 100) -%}
            {%- do problems.append("meta.holdout_pct must be a number from 0 to below 100") -%}
        {%- endif -%}
    {%- endif -%}
    {%- if not node.description or (node.description | trim) == '' -%}
        {%- do problems.append("a description is required") -%}
    {%- endif -%}
    {%- if problems -%}
        {{ exceptions.raise_compiler_error(
            "Segment '" ~ segment_id ~ "' (macro " ~ macro_name ~ "): " ~ problems | join('; ')
        ) }}
    {%- endif -%}
    {{ return({
        'segment_id': segment_id,
        'macro_name': macro_name,
        'label': meta['label'],
        'description': node.description | trim,
        'purpose': meta['purpose'],
        'category': meta['category'],
        'entity_type': meta['entity_type'],
        'owner': meta['owner'],
        'colour': meta['colour'] | lower,
        'exclusive_group': meta.get('exclusive_group'),
        'priority': meta.get('priority'),
        'holdout_pct': meta.get('holdout_pct', var('segments_default_holdout_pct')),
    }) }}
{%- endmacro %}

{#- Every segment, sorted by id: a list of metadata dicts (see segment_metadata). Narrowed to
    var('segment_ids') when that var is a non-empty list (unit tests test one rule at a time);
    an id in it that matches no segment is an error. -#}
{% macro segment_definitions() -%}
    {%- set names = [] -%}
    {%- for name in context.keys() -%}
        {%- if name.startswith('segment__') -%}
            {%- do names.append(name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set wanted = var('segment_ids', []) or [] -%}
    {%- if wanted is string -%}
        {%- set wanted = [wanted] -%}
    {%- endif -%}
    {%- for segment_id in wanted -%}
        {%- if ('segment__' ~ segment_id) not in names -%}
            {{ exceptions.raise_compiler_error(
                "var('segment_ids') names '" ~ segment_id ~ "', but no macro segment__"
                ~ segment_id ~ " exists"
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {%- set segments = [] -%}
    {%- for name in names | sort -%}
        {%- if not wanted or name[9:] in wanted -%}
            {%- do segments.append(segment_metadata(name)) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(segments) }}
{%- endmacro %}

{#- The rendered select of one segment (its rule SQL). -#}
{% macro segment_rule_sql(segment) -%}
    {{ return(context[segment.macro_name]() | trim) }}
{%- endmacro %}

{#- A SQL string literal of `value` (quotes escaped the way the engine needs: Spark uses
    backslashes, the others double the quote). Null when value is none. -#}
{% macro segment_literal(value) -%}
    {%- if value is none -%}
        cast(null as {{ dbt.type_string() }})
    {%- else -%}
        '{{ dbt.escape_single_quotes(value | string) }}'
    {%- endif -%}
{%- endmacro %}

{#- The `reason` column of a segment: "name = value; name = value" for each evidence item.
    An item is a column name, or a [label, expression] pair (e.g. a rounded amount). Null
    values read `null`, so a reason always shows what was matched. `||` concatenates text on
    DuckDB, PostgreSQL and Spark 3+. -#}
{% macro segment_reason(evidence) -%}
    {%- set parts = [] -%}
    {%- for item in evidence -%}
        {%- if item is string -%}
            {%- set label, expression = item, item -%}
        {%- else -%}
            {%- set label, expression = item[0], item[1] -%}
        {%- endif -%}
        {%- do parts.append(
            "'" ~ ('' if loop.first else '; ') ~ label ~ " = ' || coalesce(cast("
            ~ expression ~ " as " ~ dbt.type_string() ~ "), 'null')"
        ) -%}
    {%- endfor -%}
    {{ parts | join('\n        || ') }}
{%- endmacro %}

{#- A number rounded to `digits` decimals, as a decimal: prints the same text on every
    engine (doubles do not) and rounds on PostgreSQL too (no round(double, int) there). -#}
{% macro segment_number(expression, digits=2) -%}
    cast(round(cast({{ expression }} as decimal(38, 12)), {{ digits }}) as decimal(38, {{ digits }}))
{%- endmacro %}
