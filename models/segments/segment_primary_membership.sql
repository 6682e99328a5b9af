{#- Primary segment per exclusive group: for every entity in at least one segment of an
    exclusive group (meta.exclusive_group), the member segment with the lowest priority
    number (ties by segment_id). -#}

with membership as (

    select * from {{ ref('segment_membership') }}

),

catalog as (

    select * from {{ ref('segment_catalog') }}

),

grouped as (

    select
        catalog.exclusive_group,
        catalog.priority,
        membership.entity_type,
        membership.entity_id,
        membership.segment_id,
        membership.reason,
        membership.is_holdout,
        membership.as_of_date,
        row_number() over (
            partition by catalog.exclusive_group, membership.entity_type, membership.entity_id
            order by catalog.priority, membership.segment_id
        ) as rank_in_group,
        count(*) over (
            partition by catalog.exclusive_group, membership.entity_type, membership.entity_id
        ) as group_segment_count
    from membership
    inner join catalog
        on membership.segment_id = catalog.segment_id
    where catalog.exclusive_group is not null

),

final as (

    select
        {{ dbt.concat(["exclusive_group", "':'", "entity_type", "':'", "entity_id"]) }}
            as primary_membership_id,
        exclusive_group,
        entity_type,
        entity_id,
        segment_id as primary_segment_id,
        priority as primary_priority,
        reason,
        is_holdout,
        group_segment_count,
        as_of_date
    from grouped
    where rank_in_group = 1

)

select * from final
