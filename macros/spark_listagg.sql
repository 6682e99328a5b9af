{#- dbt.listagg on Spark. dbt-spark ignores the order-by clause (collect_list has no order),
    so a list would come out in whatever order the rows arrive. This variant honours
    `order by <expression> [asc|desc]` (one sort expression, as every model here uses it):
    it collects (sort key, value) pairs, sorts them (ties by value) and joins the values.
    Nulls are skipped, as string_agg and DuckDB's listagg skip them. -#}
{% macro spark__listagg(measure, delimiter_text, order_by_clause=none, limit_num=none) -%}
    {%- if order_by_clause -%}
        {%- set clause = order_by_clause | trim -%}
        {%- set match = modules.re.match('(?is)^order\s+by\s+(.+?)(\s+(asc|desc))?$', clause) -%}
        {%- if match is none or ',' in match.group(1) -%}
            {{ exceptions.raise_compiler_error(
                "listagg on Spark supports 'order by <one expression> [asc|desc]', got: " ~ clause
            ) }}
        {%- endif -%}
        {%- set sort_key = match.group(1) -%}
        {%- set descending = (match.group(3) or '') | lower == 'desc' -%}
        {%- set pairs -%}
            collect_list(
                case
                    when {{ measure }} is not null
                        then named_struct('sort_key', {{ sort_key }}, 'value', {{ measure }})
                end
            )
        {%- endset -%}
        {%- set sorted -%}
            {%- if descending -%}
                reverse(array_sort({{ pairs }}))
            {%- else -%}
                array_sort({{ pairs }})
            {%- endif -%}
        {%- endset -%}
        {%- set collected = 'transform(' ~ sorted ~ ', pair -> pair.value)' -%}
    {%- else -%}
        {%- set collected = 'collect_list(' ~ measure ~ ')' -%}
    {%- endif -%}
    {%- if limit_num -%}
        {%- set collected = 'slice(' ~ collected ~ ', 1, ' ~ limit_num ~ ')' -%}
    {%- endif -%}
    array_join({{ collected }}, {{ delimiter_text }})
{%- endmacro %}
