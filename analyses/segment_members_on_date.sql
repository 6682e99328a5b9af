{#- Who was in segment X on date D: one row per member of var('segment_lookup_id') on
    var('segment_lookup_date') (empty = the as-of date), from the validity windows of
    segment_membership_history. Dates between two builds read the membership of the
    latest build on or before them. Example:
    dbt compile -s analyses/segment_members_on_date.sql
        --vars "{segment_lookup_id: rfm_champions, segment_lookup_date: '2026-06-30'}" -#}
{%- set lookup_date = var('segment_lookup_date') or as_of_date_string() -%}

with history as (

    select * from {{ ref('segment_membership_history') }}

),

members_on_date as (

    select
        segment_id,
        entity_type,
        entity_id,
        valid_from,
        valid_to,
        is_holdout,
        entry_reason
    from history
    where
        segment_id = '{{ var("segment_lookup_id") }}'
        and valid_from <= cast('{{ lookup_date }}' as date)
        and (valid_to is null or valid_to > cast('{{ lookup_date }}' as date))

)

select * from members_on_date
order by entity_id
