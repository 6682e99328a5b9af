{#- Segment overlap report: pairs of segments ranked by Jaccard index, with labels, leaving
    out pairs of the same exclusive group (disjoint by design) and pairs without shared
    members. High Jaccard = near-duplicate segments; a high share_of_a_in_b = a is almost a
    subset of b. -#}

with overlap as (

    select * from {{ ref('segment_overlap') }}

),

catalog as (

    select * from {{ ref('segment_catalog') }}

),

labelled as (

    select
        overlap.segment_id_a,
        catalog_a.label as label_a,
        overlap.segment_id_b,
        catalog_b.label as label_b,
        overlap.entity_type,
        overlap.members_a,
        overlap.members_b,
        overlap.members_both,
        {{ segment_number('overlap.jaccard', 4) }} as jaccard,
        {{ segment_number('overlap.share_of_a_in_b', 4) }} as share_of_a_in_b,
        {{ segment_number('overlap.share_of_b_in_a', 4) }} as share_of_b_in_a
    from overlap
    inner join catalog as catalog_a
        on overlap.segment_id_a = catalog_a.segment_id
    inner join catalog as catalog_b
        on overlap.segment_id_b = catalog_b.segment_id
    where
        overlap.members_both > 0
        and (
            catalog_a.exclusive_group is null
            or catalog_b.exclusive_group is null
            or catalog_a.exclusive_group != catalog_b.exclusive_group
        )

)

select * from labelled
order by jaccard desc, segment_id_a asc, segment_id_b asc
