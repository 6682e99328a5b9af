{% macro segment__rfm_need_attention() %}
{{ segment_rfm_members('Need Attention') }}
{% endmacro %}
