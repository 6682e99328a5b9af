{#- Helpers for the engagement, lifecycle, needs and account-health marts
    (models/marts/attributes). Plain ANSI SQL: power, position. -#}

{#- Points of one event: weight * 0.5 ^ (age_days / half_life_days). An event exactly
    one half-life old scores half its weight; an event on the as-of day its full weight.
    A null or non-positive half-life means no decay. -#}
{% macro engagement_decayed_points(weight, half_life_days, age_days) -%}
    case
        when {{ half_life_days }} is null or {{ half_life_days }} <= 0 then {{ weight }}
        else {{ weight }} * power(
            cast(0.5 as {{ type_double() }}),
            cast({{ age_days }} as {{ type_double() }}) / {{ half_life_days }}
        )
    end
{%- endmacro %}

{#- Winning content rule of every distinct URL: a select of one row per distinct non-null
    `url` of `events` that matches at least one rule of `rules` (the rule's url_pattern
    is a substring of lower(url)), with the winning rule (lowest priority, then rule_id):
    url, content_rule_id, rule_content_topic, rule_need, rule_awareness_stage. URLs no rule
    matches have no row. `events` and `rules` are CTE names. The rule depends on the URL
    only, so the substring join runs once per distinct URL (a few thousand) instead of
    once per event; models join the result back to their events on url. -#}
{% macro engagement_url_content_rules(events, rules) -%}
    select
        url,
        content_rule_id,
        rule_content_topic,
        rule_need,
        rule_awareness_stage
    from (
        select
            distinct_urls.url,
            {{ rules }}.rule_id as content_rule_id,
            {{ rules }}.content_topic as rule_content_topic,
            {{ rules }}.need as rule_need,
            {{ rules }}.awareness_stage as rule_awareness_stage,
            row_number() over (
                partition by distinct_urls.url
                order by {{ rules }}.priority, {{ rules }}.rule_id
            ) as rule_rank
        from (
            select distinct url from {{ events }}
            where url is not null
        ) as distinct_urls
        inner join {{ rules }}
            on {{ attributes_contains('lower(distinct_urls.url)', rules ~ '.url_pattern') }}
    ) as url_rules
    where rule_rank = 1
{%- endmacro %}

{#- Alphabetically sorted list of every `measure` value joined with `delimiter_text`
    (an SQL string literal) in an aggregate. dbt.listagg ignores the order-by clause on
    Spark, so Spark sorts the collected array itself. -#}
{% macro engagement_sorted_listagg(measure, delimiter_text) -%}
    {{ return(adapter.dispatch('engagement_sorted_listagg', 'customer_segmentation')(
        measure, delimiter_text
    )) }}
{%- endmacro %}

{% macro default__engagement_sorted_listagg(measure, delimiter_text) -%}
    {{ dbt.listagg(measure, delimiter_text, 'order by ' ~ measure) }}
{%- endmacro %}

{% macro spark__engagement_sorted_listagg(measure, delimiter_text) -%}
    array_join(array_sort(collect_list({{ measure }})), {{ delimiter_text }})
{%- endmacro %}
