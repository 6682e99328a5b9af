{% macro segment__age_35_54() %}
select
    contact_id as entity_id,
    {{ segment_reason(['age_band']) }} as reason
from {{ ref('contact_profile') }}
where age_band in ('35-44', '45-54')
{% endmacro %}
