{% macro segment__funnel_bottom() %}
{{ segment_funnel_members('bottom') }}
{% endmacro %}
