{#- One row per raw table: where every raw row went. Nothing may be lost:
    raw_rows = staged_rows + rejected_rows + duplicate_rows + erased_rows (tested).
    Erased rows carry an identifier of an erased person (docs/privacy.md): no model holds
    them, so they are counted here from the raw table. -#}
{%- set raw_tables = [
    ('crm', 'crm_accounts', 'stg_crm__accounts'),
    ('crm', 'crm_contacts', 'stg_crm__contacts'),
    ('crm', 'crm_deals', 'stg_crm__deals'),
    ('crm', 'crm_subscriptions', 'stg_crm__subscriptions'),
    ('shop', 'shop_orders', 'stg_shop__orders'),
    ('shop', 'shop_order_lines', 'stg_shop__order_lines'),
    ('events', 'events', 'stg_events__events'),
] -%}

with

{% for source_name, table_name, staging_model in raw_tables %}
    {{ table_name }}_counts as (
        select
            '{{ table_name }}' as raw_table,
            '{{ staging_model }}' as staging_model,
            (select count(*) from {{ source(source_name, table_name) }}) as raw_rows,
            (select count(*) from {{ ref(staging_model) }}) as staged_rows,
            (
                select count(*) from {{ ref(staging_model ~ '_rejected') }}
                where reject_reason != 'duplicate'
            ) as rejected_rows,
            (
                select count(*) from {{ ref(staging_model ~ '_rejected') }}
                where reject_reason = 'duplicate'
            ) as duplicate_rows,
            {%- set erasure_specs = [] %}
            {%- for column in erasure_raw_columns(table_name).values() %}
                {%- do erasure_specs.append({'name': column}) %}
            {%- endfor %}
            (
                select count(*) from (
                    {%- if table_name == 'events' or not erasure_specs %}
                        select * from {{ source(source_name, table_name) }}
                    {%- else %}
                        {{ staging_source_select(source_name, table_name, erasure_specs) }}
                    {%- endif %}
                ) as raw_rows
                where {{ erasure_is_erased(erasure_raw_columns(table_name)) }}
            ) as erased_rows
    ),

{% endfor %}
unioned as (
    {% for _, table_name, _ in raw_tables %}
        select * from {{ table_name }}_counts
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        raw_table,
        staging_model,
        raw_rows,
        staged_rows,
        rejected_rows,
        duplicate_rows,
        erased_rows,
        raw_rows - staged_rows - rejected_rows - duplicate_rows - erased_rows as unaccounted_rows
    from unioned
)

select * from final
