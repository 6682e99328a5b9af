{% macro segment__industry_healthcare() %}
select
    account_id as entity_id,
    {{ segment_reason(['industry', 'segment_size']) }} as reason
from {{ ref('account_profile') }}
where industry = 'healthcare'
{% endmacro %}
