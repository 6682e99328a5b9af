{#- One row per raw table: the share of its raw rows quarantined for a reason other than
    being a duplicate (a removed duplicate is normal), and its most frequent reasons. The
    quarantine guard (tests quarantine_rate_warn / quarantine_rate_error in the YAML) warns
    above var quarantine_warn_share and fails the build above var quarantine_error_share. -#}
{%- set raw_tables = [
    ('crm_accounts', 'stg_crm__accounts'),
    ('crm_contacts', 'stg_crm__contacts'),
    ('crm_deals', 'stg_crm__deals'),
    ('crm_subscriptions', 'stg_crm__subscriptions'),
    ('shop_orders', 'stg_shop__orders'),
    ('shop_order_lines', 'stg_shop__order_lines'),
    ('events', 'stg_events__events'),
] -%}

with accounting as (

    select * from {{ ref('staging_row_accounting') }}

),

reason_counts as (

    {% for table_name, staging_model in raw_tables %}
        select
            '{{ table_name }}' as raw_table,
            reject_reason,
            count(*) as reason_rows
        from {{ ref(staging_model ~ '_rejected') }}
        where reject_reason != 'duplicate'
        group by reject_reason
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

ranked_reasons as (

    select
        raw_table,
        reject_reason,
        reason_rows,
        row_number() over (
            partition by raw_table
            order by reason_rows desc, reject_reason asc
        ) as reason_rank
    from reason_counts

),

top_reasons as (

    select
        raw_table,
        {{ dbt.listagg(
            dbt.concat(['reject_reason', "' '", 'cast(reason_rows as ' ~ dbt.type_string() ~ ')']),
            "', '",
            'order by reason_rank',
        ) }} as top_reject_reasons
    from ranked_reasons
    where reason_rank <= 3
    group by raw_table

),

shares as (

    select
        accounting.raw_table,
        accounting.raw_rows,
        accounting.rejected_rows,
        case
            when accounting.raw_rows = 0 then 0
            else cast(accounting.rejected_rows as {{ type_double() }}) / accounting.raw_rows
        end as rejected_share,
        top_reasons.top_reject_reasons
    from accounting
    left join top_reasons
        on accounting.raw_table = top_reasons.raw_table

),

final as (

    select
        raw_table,
        raw_rows,
        rejected_rows,
        rejected_share,
        top_reject_reasons,
        {{ dbt.concat([
            'raw_table', "': '",
            'cast(cast(round(100 * rejected_share) as ' ~ dbt.type_int() ~ ') as ' ~ dbt.type_string() ~ ')',
            "'% rejected ('",
            "coalesce(top_reject_reasons, 'none')", "')'",
        ]) }} as guard_message
    from shares

)

select * from final
