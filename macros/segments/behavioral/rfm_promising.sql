{% macro segment__rfm_promising() %}
{{ segment_rfm_members('Promising') }}
{% endmacro %}
