{#- Fails for rows whose value lies outside [min_value, max_value] (either bound optional;
    `inclusive: false` makes them strict). Nulls are not checked: pair with not_null. -#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}
{%- set lower_op = '>=' if inclusive else '>' -%}
{%- set upper_op = '<=' if inclusive else '<' -%}
select *
from {{ model }}
where {{ column_name }} is not null
  and not (
    1 = 1
    {%- if min_value is not none %} and {{ column_name }} {{ lower_op }} {{ min_value }}{% endif %}
    {%- if max_value is not none %} and {{ column_name }} {{ upper_op }} {{ max_value }}{% endif %}
  )
{% endtest %}
