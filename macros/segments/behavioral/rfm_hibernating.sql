{% macro segment__rfm_hibernating() %}
{{ segment_rfm_members('Hibernating') }}
{% endmacro %}
