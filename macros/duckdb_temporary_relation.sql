{#- The temporary relation of an incremental run on DuckDB.

    dbt-duckdb builds the new rows of an incremental model in a temporary table and never
    drops it, because a temporary table ends with the connection. A dbt Python model cannot
    create a temporary table, though: its code writes `create table <identifier>` into the
    connection's default schema, so every incremental run of a Python model (clv_parameters)
    left a permanent `<model>__dbt_tmp<timestamp>` table behind. For Python models the
    relation is therefore a regular table in the model's own schema, returned as not
    temporary: the incremental materialization then drops it after the commit, like the
    intermediate tables of a full refresh. SQL models keep DuckDB's temporary tables; the
    MotherDuck branch is dbt-duckdb's own. -#}
{% macro duckdb__dispatch_temporary_relation(target_relation, batch_id='') %}
    {% if adapter.is_motherduck() %}
        {% set relation = target_relation.incorporate(
            path=adapter.get_temp_relation_path(target_relation, batch_id)
        ) %}
        {% do run_query(create_schema(relation)) %}
        {% if not adapter.disable_transactions() %}
            {% do adapter.commit() %}
        {% endif %}
        {% do return({'relation': relation, 'temporary': false}) %}
    {% elif model is mapping and model.get('language') == 'python' %}
        {% set temporary = make_temp_relation(target_relation) %}
        {% set relation = target_relation.incorporate(path={'identifier': temporary.identifier}) %}
        {% do return({'relation': relation, 'temporary': false}) %}
    {% else %}
        {% do return({'relation': make_temp_relation(target_relation), 'temporary': true}) %}
    {% endif %}
{% endmacro %}
