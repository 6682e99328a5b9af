{% macro segment__enterprise_decision_makers() %}
select
    contact_id as entity_id,
    {{ segment_reason([
        'is_decision_maker',
        'seniority',
        'segment_size',
        'account_name',
    ]) }} as reason
from {{ ref('contact_profile') }}
where is_decision_maker = true
    and segment_size = 'enterprise'
{% endmacro %}
