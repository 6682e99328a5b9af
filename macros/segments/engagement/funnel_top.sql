{% macro segment__funnel_top() %}
select
    contact_id as entity_id,
    {{ segment_reason([
        'funnel_stage',
        ['lead_score', segment_number('lead_score', 2)],
    ]) }} as reason
from {{ ref('contact_profile') }}
where funnel_stage = 'top'
{% endmacro %}
