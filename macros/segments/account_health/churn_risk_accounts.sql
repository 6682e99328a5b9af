{% macro segment__churn_risk_accounts() %}
select
    account_id as entity_id,
    {{ segment_reason([
        'churn_risk_level',
        'churn_risk_score',
        'churn_risk_reasons',
    ]) }} as reason
from {{ ref('account_profile') }}
where churn_risk_level = 'high'
{% endmacro %}
