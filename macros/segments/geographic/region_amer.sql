{% macro segment__region_amer() %}
select
    contact_id as entity_id,
    {{ segment_reason(['region', 'country_code']) }} as reason
from {{ ref('contact_profile') }}
where region = 'AMER'
{% endmacro %}
