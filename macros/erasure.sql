{#- Erasure (docs/privacy.md, "Erasure"): the identifiers of erased people are hashed in
    stg_privacy__erased_keys (contact ids, emails, order ids) and
    stg_privacy__erased_anonymous_ids; these macros leave out, and delete, the rows that
    carry one.

    The raw columns that identify a person, per raw table (the base_ models filter their
    source with them, staging_row_accounting counts what they filter out). Key types:
    contact_id, email, anonymous_id, order_id. -#}
{% macro erasure_raw_columns(table_name) -%}
    {{ return({
        'crm_accounts': {},
        'crm_contacts': {'contact_id': 'contact_id', 'email': 'email'},
        'crm_deals': {'contact_id': 'contact_id'},
        'crm_subscriptions': {},
        'shop_orders': {'contact_id': 'contact_id', 'order_id': 'order_id'},
        'shop_order_lines': {'order_id': 'order_id'},
        'events': {'contact_id': 'contact_id', 'email': 'email', 'anonymous_id': 'anonymous_id'},
    }[table_name]) }}
{%- endmacro %}

{#- The identifying columns of the event stream: the raw table's (prefix '') or those of
    base_events__events, which keeps them as raw_<column> (prefix 'raw_'). -#}
{% macro erasure_event_columns(prefix) -%}
    {{ return({
        'contact_id': prefix ~ 'contact_id',
        'email': prefix ~ 'email',
        'anonymous_id': prefix ~ 'anonymous_id',
    }) }}
{%- endmacro %}

{#- Normalisation used for matching, as in staging: ids trimmed, emails trimmed and
    lower-cased; blank is null. -#}
{% macro erasure_normalized_id(expression) -%}
    {{ staging_blank_to_null(expression) }}
{%- endmacro %}

{% macro erasure_normalized_email(expression) -%}
    lower({{ staging_blank_to_null(expression) }})
{%- endmacro %}

{#- True when the row carries an erased identifier. `columns` maps a key type to the
    row's column (or SQL expression) holding it. Compiles to `false` when nothing has been
    erased (read when the model runs; the keys model is upstream), so builds without
    erasure requests pay nothing. In unit tests it is always `false`: their fixtures stand
    for data that was not erased. -#}
{% macro erasure_is_erased(columns) -%}
    {%- if model is mapping and model.get('resource_type') == 'unit_test' or not columns -%}
        false
    {%- else -%}
        {%- set keys = ref('stg_privacy__erased_keys') -%}
        {%- if 'anonymous_id' in columns -%}
            {%- set anonymous_keys = ref('stg_privacy__erased_anonymous_ids') -%}
        {%- endif -%}
        {%- if execute and erasure_key_count() == 0 -%}
            false
        {%- else -%}
            (
            {%- for key_type, column in columns.items() %}
                {%- set value = erasure_normalized_email(column) if key_type == 'email'
                    else erasure_normalized_id(column) %}
                ({{ value }} is not null and {{ dbt.hash(value) }} in (
                    select key_hash from {{ anonymous_keys if key_type == 'anonymous_id' else keys }}
                    where key_type = '{{ key_type }}'
                ))
                {%- if not loop.last %} or{% endif %}
            {%- endfor %}
            )
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{#- Number of erased contact ids, emails and order ids (0 when the keys table does not exist
    yet). Anonymous ids are only erased with a contact id or email, so 0 means nobody. -#}
{% macro erasure_key_count() -%}
    {%- set keys = ref('stg_privacy__erased_keys') -%}
    {%- set relation = adapter.get_relation(keys.database, keys.schema, keys.identifier) -%}
    {%- if relation is none -%}
        {{ return(0) }}
    {%- endif -%}
    {{ return(run_query('select count(*) from ' ~ relation).columns[0].values()[0] | int) }}
{%- endmacro %}

{#- Pre-hook of an incremental model: delete the rows of `this` that carry an erased
    identifier (`columns` as in erasure_is_erased; `condition`, optional SQL, narrows the rows
    looked at), so that the next build holds no trace of the person, as a full refresh would.
    Engines without delete (Spark without Delta) rewrite the partitions holding such rows
    instead (the models' own select). Nothing to do on the first build. -#}
{% macro erasure_delete_from_this(columns, condition=none) -%}
    {{ return(adapter.dispatch('erasure_delete_from_this', 'customer_segmentation')(columns, condition)) }}
{%- endmacro %}

{% macro default__erasure_delete_from_this(columns, condition=none) -%}
    {%- if execute and adapter.get_relation(this.database, this.schema, this.identifier) is not none -%}
        {%- set predicate = erasure_is_erased(columns) | trim -%}
        {%- if predicate != 'false' -%}
            delete from {{ this }} where {{ '(' ~ condition ~ ') and ' if condition }}{{ predicate }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{% macro spark__erasure_delete_from_this(columns, condition=none) -%}
{%- endmacro %}
