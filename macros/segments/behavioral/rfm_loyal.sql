{% macro segment__rfm_loyal() %}
{{ segment_rfm_members('Loyal') }}
{% endmacro %}
