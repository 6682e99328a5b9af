{% macro segment__high_income_households() %}
select
    contact_id as entity_id,
    {{ segment_reason(['income_band']) }} as reason
from {{ ref('contact_profile') }}
where income_band = 'high'
{% endmacro %}
