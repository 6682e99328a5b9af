{% macro segment__enterprise_accounts() %}
select
    account_id as entity_id,
    {{ segment_reason(['segment_size', 'employee_count']) }} as reason
from {{ ref('account_profile') }}
where segment_size = 'enterprise'
{% endmacro %}
