{% macro segment__deal_seekers() %}
select
    contact_id as entity_id,
    {{ segment_reason([
        'price_sensitivity_band',
        ['price_sensitivity', segment_number('price_sensitivity', 2)],
    ]) }} as reason
from {{ ref('contact_profile') }}
where price_sensitivity_band = 'high'
{% endmacro %}
