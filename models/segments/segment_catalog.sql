{#- The segment catalog: one row per segment defined (macros/segments), from its YAML
    description and meta, with its rule SQL and current size. -#}
{%- set segments = segment_definitions() -%}

with membership as (

    select * from {{ ref('segment_membership') }}

),

definitions as (

    {%- for segment in segments %}
        select
            {{ segment_literal(segment.segment_id) }} as segment_id,
            {{ segment_literal(segment.label) }} as label,
            {{ segment_literal(segment.description) }} as description,
            {{ segment_literal(segment.purpose) }} as purpose,
            {{ segment_literal(segment.category) }} as category,
            {{ segment_literal(segment.entity_type) }} as entity_type,
            {{ segment_literal(segment.owner) }} as owner,
            {{ segment_literal(segment.colour) }} as colour,
            {{ segment_literal(segment.exclusive_group) }} as exclusive_group,
            cast({{ segment.priority if segment.priority is not none else 'null' }}
                as {{ dbt.type_int() }}) as priority,
            cast({{ segment.holdout_pct }} as {{ type_double() }}) as holdout_pct,
            {{ segment_literal(segment_rule_sql(segment)) }} as rule_sql,
            {{ segment_literal(segment.macro_name) }} as definition_macro
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- else %}
        select
            cast(null as {{ dbt.type_string() }}) as segment_id,
            cast(null as {{ dbt.type_string() }}) as label,
            cast(null as {{ dbt.type_string() }}) as description,
            cast(null as {{ dbt.type_string() }}) as purpose,
            cast(null as {{ dbt.type_string() }}) as category,
            cast(null as {{ dbt.type_string() }}) as entity_type,
            cast(null as {{ dbt.type_string() }}) as owner,
            cast(null as {{ dbt.type_string() }}) as colour,
            cast(null as {{ dbt.type_string() }}) as exclusive_group,
            cast(null as {{ dbt.type_int() }}) as priority,
            cast(null as {{ type_double() }}) as holdout_pct,
            cast(null as {{ dbt.type_string() }}) as rule_sql,
            cast(null as {{ dbt.type_string() }}) as definition_macro
        where 1 = 0
    {%- endfor %}

),

sizes as (

    select
        segment_id,
        count(*) as member_count,
        sum(case when is_holdout then 1 else 0 end) as holdout_count
    from membership
    group by segment_id

),

final as (

    select
        definitions.segment_id,
        definitions.label,
        definitions.description,
        definitions.purpose,
        definitions.category,
        definitions.entity_type,
        definitions.owner,
        definitions.colour,
        definitions.exclusive_group,
        definitions.priority,
        definitions.holdout_pct,
        definitions.rule_sql,
        definitions.definition_macro,
        cast(coalesce(sizes.member_count, 0) as bigint) as member_count,
        cast(coalesce(sizes.holdout_count, 0) as bigint) as holdout_count,
        cast(coalesce(sizes.member_count, 0) - coalesce(sizes.holdout_count, 0) as bigint)
            as treated_count,
        {{ as_of_date() }} as as_of_date
    from definitions
    left join sizes
        on definitions.segment_id = sizes.segment_id

)

select * from final
