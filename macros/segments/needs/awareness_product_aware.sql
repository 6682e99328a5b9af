{% macro segment__awareness_product_aware() %}
select
    contact_id as entity_id,
    {{ segment_reason(['awareness_stage', 'main_content_topic']) }} as reason
from {{ ref('contact_profile') }}
where awareness_stage = 'product_aware'
{% endmacro %}
