{% macro segment__rfm_lost() %}
{{ segment_rfm_members('Lost') }}
{% endmacro %}
