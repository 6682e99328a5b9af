{% macro segment__tier_a_accounts() %}
select
    account_id as entity_id,
    {{ segment_reason([
        'account_tier',
        'value_band',
        'fit_band',
        ['expected_value_reporting', segment_number('expected_value_reporting', 2)],
    ]) }} as reason
from {{ ref('account_profile') }}
where account_tier = 'A'
{% endmacro %}
