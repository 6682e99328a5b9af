{% macro segment__marketing_qualified_leads() %}
select
    contact_id as entity_id,
    {{ segment_reason([
        'is_mql',
        ['lead_score', segment_number('lead_score', 2)],
        'customer_type',
    ]) }} as reason
from {{ ref('contact_profile') }}
where is_mql = true
    and customer_type = 'prospect'
{% endmacro %}
