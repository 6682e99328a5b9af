{% macro segment__large_families() %}
select
    contact_id as entity_id,
    {{ segment_reason(['household_size_band']) }} as reason
from {{ ref('contact_profile') }}
where household_size_band = 'large_family'
{% endmacro %}
