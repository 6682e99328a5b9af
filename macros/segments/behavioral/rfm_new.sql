{% macro segment__rfm_new() %}
{{ segment_rfm_members('New') }}
{% endmacro %}
