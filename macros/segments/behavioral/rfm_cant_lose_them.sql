{% macro segment__rfm_cant_lose_them() %}
{{ segment_rfm_members("Can't Lose Them") }}
{% endmacro %}
