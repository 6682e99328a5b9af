{% macro segment__new_customers() %}
select
    contact_id as entity_id,
    {{ segment_reason([
        'first_purchase_date',
        ['days_since_first_purchase', dbt.datediff('first_purchase_date', as_of_date(), 'day')],
        'frequency',
    ]) }} as reason
from {{ ref('contact_profile') }}
where {{ dbt.datediff('first_purchase_date', as_of_date(), 'day') }}
    < {{ var('segments_new_customer_days') }}
{% endmacro %}
