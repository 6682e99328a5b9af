{#- Key tests on new rows only (macros/new_rows_tests.sql):
    the rows whose `recency_column` lies within the events lookback of its latest value among
    the rows meeting `condition`. The hourly selector runs them; the daily one also runs the
    plain tests on every row. -#}

{#- A value of a new row that occurs more than once in the whole model, so a new row repeating
    an old row's key fails too; the scan of the model is a semi-join on the key. -#}
{% test unique_in_new_rows(model, column_name, recency_column, condition='1 = 1') %}
select
    {{ column_name }} as unique_field,
    count(*) as n_records
from {{ model }}
where {{ column_name }} in (
    select {{ column_name }} from {{ new_rows(model, recency_column, condition) }}
)
group by {{ column_name }}
having count(*) > 1
{% endtest %}

{% test not_null_in_new_rows(model, column_name, recency_column, condition='1 = 1') %}
{{ adapter.dispatch('test_not_null', 'dbt')(new_rows(model, recency_column, condition), column_name) }}
{% endtest %}

{% test relationships_in_new_rows(model, column_name, to, field, recency_column, condition='1 = 1') %}
{{ adapter.dispatch('test_relationships', 'dbt')(new_rows(model, recency_column, condition), column_name, to, field) }}
{% endtest %}
