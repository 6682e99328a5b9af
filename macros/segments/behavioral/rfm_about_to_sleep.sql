{% macro segment__rfm_about_to_sleep() %}
{{ segment_rfm_members('About to Sleep') }}
{% endmacro %}
