{#- Schema drift stops the run before any model runs (on-run-start).

    For every source table that a selected node reads directly (staging models, tests on
    sources), the raw relation must exist, hold every required column its sources YAML
    declares (a column with `config: {meta: {optional: true}}` may be missing: staging fills
    it with nulls, macros/staging_columns.sql), each column it has of the declared `data_type` (compared by family, so `varchar`, `text`, `character
    varying` and `string` are all text on their engines), and at least one row. Every problem
    is listed in one compiler error naming the table, the column, its type and the expected
    type. Extra columns are allowed.

    An empty raw table is an error: it is far more often a failed extract than a real
    business with no deals. Tables that may be empty are listed in the var
    `raw_tables_allowed_empty` (source table names, e.g. ['crm_subscriptions']), or whose
    sources YAML says `meta: {allowed_empty: true}` (privacy_erasure_requests: most builds
    have nobody to erase).

    Nothing is checked when no selected node reads a source: `dbt parse`, `dbt compile`, unit
    tests alone (they read fixtures, not sources) and seeds run as before. -#}
{% macro check_raw_contract() %}
    {% if not execute %}
        {{ return('') }}
    {% endif %}
    {% set source_ids = [] %}
    {% for unique_id in selected_resources %}
        {% set node = graph.nodes.get(unique_id) %}
        {% if node is not none and node.resource_type != 'unit_test' %}
            {% set upstreams = node.depends_on.nodes | list %}
            {# An ephemeral model is compiled into its readers: its sources count as theirs. #}
            {% for upstream in node.depends_on.nodes %}
                {% set parent = graph.nodes.get(upstream) %}
                {% if parent is not none and parent.config.materialized == 'ephemeral' %}
                    {% do upstreams.extend(parent.depends_on.nodes) %}
                {% endif %}
            {% endfor %}
            {% for upstream in upstreams %}
                {% if upstream.startswith('source.') and upstream not in source_ids %}
                    {% do source_ids.append(upstream) %}
                {% endif %}
            {% endfor %}
        {% endif %}
    {% endfor %}
    {% set allowed_empty = var('raw_tables_allowed_empty', []) %}
    {% set problems = [] %}
    {% for source_id in source_ids | sort %}
        {% set source_node = graph.sources[source_id] %}
        {% set name = source_node.schema ~ '.' ~ source_node.identifier %}
        {% set relation = adapter.get_relation(
            database=source_node.database, schema=source_node.schema, identifier=source_node.identifier
        ) %}
        {% if relation is none %}
            {% do problems.append(name ~ ': table does not exist') %}
        {% else %}
            {% set actual = {} %}
            {% for column in adapter.get_columns_in_relation(relation) %}
                {% do actual.update({column.name | lower: column.dtype}) %}
            {% endfor %}
            {% for column_name, column in source_node.columns.items() %}
                {% set expected = column.data_type %}
                {% set found = actual.get(column_name | lower) %}
                {% set column_meta = column.get('meta') or {} %}
                {% do column_meta.update((column.get('config') or {}).get('meta') or {}) %}
                {% if found is none and column_meta.get('optional') %}
                    {# an optional column the export does not have: filled with nulls #}
                {% elif found is none %}
                    {% do problems.append(
                        name ~ ': column ' ~ column_name ~ ' is missing (expected type ' ~ (expected or 'any') ~ ')'
                    ) %}
                {% elif expected and raw_type_family(found) != raw_type_family(expected) %}
                    {% do problems.append(
                        name ~ ': column ' ~ column_name ~ ' is ' ~ found ~ ', expected ' ~ expected
                        ~ ' (' ~ raw_type_family_members(expected) ~ ')'
                    ) %}
                {% endif %}
            {% endfor %}
            {% set meta = source_node.meta or {} %}
            {% set config_meta = (source_node.config.meta if source_node.config is not none else {}) or {} %}
            {% if source_node.name not in allowed_empty
                and not meta.get('allowed_empty') and not config_meta.get('allowed_empty') %}
                {% set rows = run_query('select 1 as has_rows from ' ~ relation ~ ' limit 1') %}
                {% if rows.rows | length == 0 %}
                    {% do problems.append(
                        name ~ ': table is empty (if that is expected, add ' ~ source_node.name
                        ~ ' to the var raw_tables_allowed_empty)'
                    ) %}
                {% endif %}
            {% endif %}
        {% endif %}
    {% endfor %}
    {% if problems %}
        {% do exceptions.raise_compiler_error(
            'The raw input does not match its contract (columns and data_type in '
            ~ 'models/staging/*/_*__sources.yml); no model was run:\n  - ' ~ problems | join('\n  - ')
        ) %}
    {% endif %}
    {{ return('') }}
{% endmacro %}


{#- The family of a column type as engines spell it: text, timestamp, timestamp_tz, integer,
    decimal, float, boolean, date; any other type is its own family. -#}
{% macro raw_type_family(type_name) %}
    {% set spelled = (type_name or '') | lower | trim %}
    {% set base = spelled.split('(')[0] | trim %}
    {% set families = raw_type_families() %}
    {% for family, members in families.items() %}
        {% if base in members %}
            {{ return(family) }}
        {% endif %}
    {% endfor %}
    {{ return(base) }}
{% endmacro %}


{% macro raw_type_family_members(type_name) %}
    {% set members = raw_type_families().get(raw_type_family(type_name)) %}
    {{ return((members or [type_name]) | join(', ')) }}
{% endmacro %}


{% macro raw_type_families() %}
    {{ return({
        'text': ['text', 'varchar', 'string', 'character varying', 'char', 'character', 'bpchar',
                 'nvarchar', 'nchar'],
        'timestamp': ['timestamp', 'timestamp without time zone', 'timestamp_ntz', 'datetime',
                      'timestamp_ns', 'timestamp_ms', 'timestamp_s', 'timestamp_us'],
        'timestamp_tz': ['timestamp with time zone', 'timestamptz', 'timestamp_ltz'],
        'integer': ['integer', 'int', 'bigint', 'smallint', 'tinyint', 'int2', 'int4', 'int8',
                    'long', 'short', 'hugeint', 'ubigint', 'uinteger', 'usmallint', 'utinyint'],
        'decimal': ['decimal', 'numeric'],
        'float': ['double', 'double precision', 'float', 'real', 'float4', 'float8'],
        'boolean': ['boolean', 'bool'],
        'date': ['date'],
    }) }}
{% endmacro %}
