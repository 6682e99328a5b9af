{% macro segment__high_value_at_risk() %}
select
    contact_id as entity_id,
    {{ segment_reason([
        'm_score',
        'r_score',
        ['monetary', segment_number('monetary', 2)],
        'recency_days',
    ]) }} as reason
from {{ ref('contact_profile') }}
where m_score >= {{ var('segments_high_value_min_m_score') }}
    and r_score <= {{ var('segments_at_risk_max_r_score') }}
{% endmacro %}
