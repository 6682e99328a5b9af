{% macro segment__funnel_top() %}
{{ segment_funnel_members('top') }}
{% endmacro %}
