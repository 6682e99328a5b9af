{#- Fails for values that are empty or only whitespace. Nulls are not checked. -#}
{% test not_empty_string(model, column_name) %}
select *
from {{ model }}
where {{ column_name }} is not null
  and trim({{ column_name }}) = ''
{% endtest %}
