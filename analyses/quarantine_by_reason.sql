-- How many raw rows each staging model quarantined, by reason: the first place to look
-- when a source system starts sending bad data. Compile with `dbt compile` and run the SQL
-- from target/compiled/ in any client.
{%- set staging_models = [
    'stg_crm__accounts', 'stg_crm__contacts', 'stg_crm__deals', 'stg_crm__subscriptions',
    'stg_shop__orders', 'stg_shop__order_lines', 'stg_events__events',
] %}

with

rejected as (
    {% for model in staging_models %}
        select
            '{{ model }}' as staging_model,
            reject_reason
        from {{ ref(model ~ '_rejected') }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

counted as (
    select
        staging_model,
        reject_reason,
        count(*) as rejected_rows
    from rejected
    group by staging_model, reject_reason
)

select * from counted
order by staging_model asc, rejected_rows desc, reject_reason asc
