{% macro segment__lapsed_customers() %}
select
    contact_id as entity_id,
    {{ segment_reason(['recency_days', 'last_purchase_date', 'frequency']) }} as reason
from {{ ref('contact_profile') }}
where recency_days > {{ var('segments_lapsed_min_recency_days') }}
{% endmacro %}
