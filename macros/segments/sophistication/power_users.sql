{% macro segment__power_users() %}
select
    contact_id as entity_id,
    {{ segment_reason(['usage_level', 'active_days_30']) }} as reason
from {{ ref('contact_profile') }}
where usage_level = 'power'
{% endmacro %}
