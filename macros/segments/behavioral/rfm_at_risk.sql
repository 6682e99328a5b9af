{% macro segment__rfm_at_risk() %}
{{ segment_rfm_members('At Risk') }}
{% endmacro %}
