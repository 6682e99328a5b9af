{% macro segment__language_german() %}
select
    contact_id as entity_id,
    {{ segment_reason(['language_code', 'country_code']) }} as reason
from {{ ref('contact_profile') }}
where language_code = 'de'
{% endmacro %}
