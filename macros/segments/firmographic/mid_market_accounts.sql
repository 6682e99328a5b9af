{% macro segment__mid_market_accounts() %}
select
    account_id as entity_id,
    {{ segment_reason(['segment_size', 'employee_count']) }} as reason
from {{ ref('account_profile') }}
where segment_size = 'mid_market'
{% endmacro %}
