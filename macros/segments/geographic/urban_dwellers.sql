{% macro segment__urban_dwellers() %}
select
    contact_id as entity_id,
    {{ segment_reason(['urbanity', 'urbanity_rule_id']) }} as reason
from {{ ref('contact_profile') }}
where urbanity = 'urban'
{% endmacro %}
