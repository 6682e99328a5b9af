{% macro segment__rfm_champions() %}
{{ segment_rfm_members('Champions') }}
{% endmacro %}
