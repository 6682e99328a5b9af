{% macro segment__clv_top_10() %}
select
    contact_id as entity_id,
    {{ segment_reason([
        ['clv_percentile', segment_number('clv_percentile', 4)],
        ['predicted_clv', segment_number('predicted_clv', 2)],
        'clv_tier',
    ]) }} as reason
from {{ ref('contact_profile') }}
where clv_percentile >= {{ var('segments_clv_top_min_percentile') }}
{% endmacro %}
