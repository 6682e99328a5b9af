{% macro segment__rfm_potential_loyalist() %}
{{ segment_rfm_members('Potential Loyalist') }}
{% endmacro %}
