{% macro segment__sustainability_seekers() %}
select
    contact_id as entity_id,
    {{ segment_reason([
        ['sustainability_affinity', segment_number('sustainability_affinity', 2)],
    ]) }} as reason
from {{ ref('contact_profile') }}
where sustainability_affinity >= {{ var('segments_sustainability_min_affinity') }}
{% endmacro %}
