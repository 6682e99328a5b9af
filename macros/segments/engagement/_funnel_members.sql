{#- Members of one funnel stage (contact_profile.funnel_stage) with the lead score as the
    reason. Shared by the funnel_* segment definitions in this folder. -#}
{% macro segment_funnel_members(funnel_stage) %}
select
    contact_id as entity_id,
    {{ segment_reason([
        'funnel_stage',
        ['lead_score', segment_number('lead_score', 2)],
    ]) }} as reason
from {{ ref('contact_profile') }}
where funnel_stage = {{ segment_literal(funnel_stage) }}
{% endmacro %}
