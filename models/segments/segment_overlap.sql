{#- Pairwise overlap of the current segments: one row per pair of segments of the same
    entity type (segment_id_a < segment_id_b), zero overlaps included. Holdout members
    count as members. -#}

with membership as (

    select * from {{ ref('segment_membership') }}

),

catalog as (

    select * from {{ ref('segment_catalog') }}

),

pairs as (

    select
        segment_a.segment_id as segment_id_a,
        segment_b.segment_id as segment_id_b,
        segment_a.entity_type,
        segment_a.member_count as members_a,
        segment_b.member_count as members_b
    from catalog as segment_a
    inner join catalog as segment_b
        on
            segment_a.entity_type = segment_b.entity_type
            and segment_a.segment_id < segment_b.segment_id

),

shared as (

    select
        member_a.segment_id as segment_id_a,
        member_b.segment_id as segment_id_b,
        count(*) as members_both
    from membership as member_a
    inner join membership as member_b
        on
            member_a.entity_type = member_b.entity_type
            and member_a.entity_id = member_b.entity_id
            and member_a.segment_id < member_b.segment_id
    group by member_a.segment_id, member_b.segment_id

),

counted as (

    select
        pairs.segment_id_a,
        pairs.segment_id_b,
        pairs.entity_type,
        pairs.members_a,
        pairs.members_b,
        cast(coalesce(shared.members_both, 0) as bigint) as members_both
    from pairs
    left join shared
        on
            pairs.segment_id_a = shared.segment_id_a
            and pairs.segment_id_b = shared.segment_id_b

),

final as (

    select
        {{ dbt.concat(["segment_id_a", "'|'", "segment_id_b"]) }} as overlap_id,
        segment_id_a,
        segment_id_b,
        entity_type,
        members_a,
        members_b,
        members_both,
        members_a + members_b - members_both as members_either,
        cast(members_both as {{ type_double() }})
        / nullif(members_a + members_b - members_both, 0) as jaccard,
        cast(members_both as {{ type_double() }}) / nullif(members_a, 0) as share_of_a_in_b,
        cast(members_both as {{ type_double() }}) / nullif(members_b, 0) as share_of_b_in_a,
        {{ as_of_date() }} as as_of_date
    from counted

)

select * from final
