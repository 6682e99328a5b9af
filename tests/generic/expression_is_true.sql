{#- Fails for every row where `expression` is not true (null counts as a failure).
    Optional `where` narrows the rows checked. Works as a model- or column-level test. -#}
{% test expression_is_true(model, expression, where_clause=none) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{%- if where_clause %} and ({{ where_clause }}){% endif %}
{% endtest %}
