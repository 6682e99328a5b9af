{% macro segment__uses_salesforce() %}
select
    account_id as entity_id,
    {{ segment_reason(['uses_salesforce', 'technology_count']) }} as reason
from {{ ref('account_profile') }}
where uses_salesforce = true
{% endmacro %}
