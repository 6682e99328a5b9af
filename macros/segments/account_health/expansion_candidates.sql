{% macro segment__expansion_candidates() %}
select
    account_id as entity_id,
    {{ segment_reason([
        'is_expansion_candidate',
        'expansion_signal_count',
        'top_plan',
    ]) }} as reason
from {{ ref('account_profile') }}
where is_expansion_candidate = true
{% endmacro %}
