{% macro segment__funnel_middle() %}
{{ segment_funnel_members('middle') }}
{% endmacro %}
