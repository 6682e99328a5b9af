{#- Members of one named RFM segment (contact_profile.rfm_segment) with the RFM evidence as
    the reason. Shared by the rfm_* segment definitions in this folder. -#}
{% macro segment_rfm_members(rfm_segment) %}
select
    contact_id as entity_id,
    {{ segment_reason([
        'rfm_segment',
        'r_score',
        'f_score',
        'recency_days',
        'frequency',
        ['monetary', segment_number('monetary', 2)],
    ]) }} as reason
from {{ ref('contact_profile') }}
where rfm_segment = {{ segment_literal(rfm_segment) }}
{% endmacro %}
