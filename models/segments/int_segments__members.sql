{#- The union of every segment definition (macros named segment__<id>, found by
    segment_definitions()): one row per entity per segment with the reason it matched.
    Contacts flagged deleted in the CRM (contact_profile.is_deleted) are never members,
    whatever a rule says. Adding a segment needs no edit here. -#}
{%- set segments = segment_definitions() -%}

with

{% if segments %}
    {%- for segment in segments %}
        segment_{{ segment.segment_id }} as (
            {{ segment_rule_sql(segment) | indent(12) }}
        ),
    {% endfor %}
{%- endif %}

deleted_contacts as (

    select contact_id from {{ ref('contact_profile') }}
    where is_deleted

),

members as (
    {%- for segment in segments %}
        select
            {{ segment_literal(segment.segment_id) }} as segment_id,
            {{ segment_literal(segment.entity_type) }} as entity_type,
            cast(entity_id as {{ dbt.type_string() }}) as entity_id,
            cast(reason as {{ dbt.type_string() }}) as reason
        from segment_{{ segment.segment_id }}
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- else %}
        select
            cast(null as {{ dbt.type_string() }}) as segment_id,
            cast(null as {{ dbt.type_string() }}) as entity_type,
            cast(null as {{ dbt.type_string() }}) as entity_id,
            cast(null as {{ dbt.type_string() }}) as reason
        where 1 = 0
    {%- endfor %}
)

select members.*
from members
where
    members.entity_type <> 'contact'
    or members.entity_id not in (select deleted_contacts.contact_id from deleted_contacts)
