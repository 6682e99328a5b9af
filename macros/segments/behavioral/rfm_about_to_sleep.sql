{% macro segment__rfm_about_to_sleep() %}
select
    contact_id as entity_id,
    {{ segment_reason([
        'rfm_segment',
        'r_score',
        'f_score',
        'recency_days',
        'frequency',
        ['monetary', segment_number('monetary', 2)],
    ]) }} as reason
from {{ ref('contact_profile') }}
where rfm_segment = 'About to Sleep'
{% endmacro %}
