{% macro segment__age_55_plus() %}
select
    contact_id as entity_id,
    {{ segment_reason(['age_band']) }} as reason
from {{ ref('contact_profile') }}
where age_band in ('55-64', '65+')
{% endmacro %}
