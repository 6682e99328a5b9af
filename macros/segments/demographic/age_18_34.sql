{% macro segment__age_18_34() %}
select
    contact_id as entity_id,
    {{ segment_reason(['age_band']) }} as reason
from {{ ref('contact_profile') }}
where age_band in ('18-24', '25-34')
{% endmacro %}
