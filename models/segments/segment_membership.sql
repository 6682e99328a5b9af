{#- Current segment membership with the deterministic holdout (macro segment_holdout_bucket):
    a member is in the holdout when its bucket (0-9999) is below holdout_pct * 100 of its
    segment (meta.holdout_pct, else var segments_default_holdout_pct). -#}
{%- set segments = segment_definitions() -%}

with members as (

    select * from {{ ref('int_segments__members') }}

),

bucketed as (

    select
        segment_id,
        entity_type,
        entity_id,
        reason,
        {{ segment_holdout_bucket('segment_id', 'entity_type', 'entity_id') }} as holdout_bucket,
        case
            {%- for segment in segments %}
                when segment_id = {{ segment_literal(segment.segment_id) }}
                    then {{ segment.holdout_pct }}
            {%- endfor %}
        end as holdout_pct
    from members

),

final as (

    select
        {{ dbt.concat(["segment_id", "':'", "entity_type", "':'", "entity_id"]) }} as membership_id,
        entity_type,
        entity_id,
        segment_id,
        reason,
        cast(holdout_bucket as {{ dbt.type_int() }}) as holdout_bucket,
        coalesce(holdout_bucket < holdout_pct * 100, false) as is_holdout,
        {{ as_of_date() }} as as_of_date
    from bucketed

)

select * from final
