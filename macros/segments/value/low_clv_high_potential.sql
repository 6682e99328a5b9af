{% macro segment__low_clv_high_potential() %}
select
    contact_id as entity_id,
    {{ segment_reason([
        'clv_tier',
        ['predicted_clv', segment_number('predicted_clv', 2)],
        ['fit_score', segment_number('fit_score', 2)],
    ]) }} as reason
from {{ ref('contact_profile') }}
where clv_tier = 'low'
    and fit_score >= {{ var('segments_high_potential_min_fit_score') }}
{% endmacro %}
