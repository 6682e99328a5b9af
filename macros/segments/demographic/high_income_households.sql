{% macro segment__high_income_households() %}
select
    contact_id as entity_id,
    {{ segment_reason([
        'income_band',
        ['annual_income_reporting', segment_number('annual_income_reporting', 0)],
    ]) }} as reason
from {{ ref('contact_profile') }}
where income_band = 'high'
{% endmacro %}
