{% macro segment__intent_data_security() %}
select
    contact_id as entity_id,
    {{ segment_reason(['main_content_topic', 'main_need']) }} as reason
from {{ ref('contact_profile') }}
where main_content_topic = 'data_security'
{% endmacro %}
