{% macro segment__uses_snowflake() %}
select
    account_id as entity_id,
    {{ segment_reason(['uses_snowflake', 'technology_count']) }} as reason
from {{ ref('account_profile') }}
where uses_snowflake = true
{% endmacro %}
