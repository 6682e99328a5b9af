{% macro segment__customers() %}
select
    contact_id as entity_id,
    {{ segment_reason(['customer_type', 'lifecycle_stage']) }} as reason
from {{ ref('contact_profile') }}
where customer_type = 'customer'
{% endmacro %}
