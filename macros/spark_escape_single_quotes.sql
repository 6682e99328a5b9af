{#- dbt.escape_single_quotes on Spark. Spark string literals treat a backslash as an escape,
    and dbt-spark's variant escapes quotes but not backslashes, so text that already holds
    an escaped quote (e.g. SQL for Spark inside a literal: 'Can\'t') ends the literal early.
    This variant escapes backslashes first, then quotes. -#}
{% macro spark__escape_single_quotes(expression) -%}
    {{ expression | replace("\\", "\\\\") | replace("'", "\\'") }}
{%- endmacro %}
