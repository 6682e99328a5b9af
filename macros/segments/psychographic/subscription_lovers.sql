{% macro segment__subscription_lovers() %}
select
    contact_id as entity_id,
    {{ segment_reason([
        'prefers_subscription',
        ['subscription_share', segment_number('subscription_share', 2)],
    ]) }} as reason
from {{ ref('contact_profile') }}
where prefers_subscription = true
{% endmacro %}
