{#- Main content topic, need and awareness stage of each canonical contact. Content =
    page_view and form_submit events with a URL, up to the as-of date, whose URL
    matches a content_rules row (the lowest priority, then rule_id, wins; unmatched URLs
    are ignored). Main topic / need: the most consumed within var('needs_window_days', 90)
    days up to the as-of date (event_date > as_of - window); ties go to the
    alphabetically first name. Awareness stage: the most advanced stage (unaware <
    problem_aware < solution_aware < product_aware < most_aware) among content consumed
    within var('needs_awareness_window_days', 365) days; no content in that window gives
    'unaware'. -#}
{%- set window_days = var('needs_window_days', 90) -%}
{%- set awareness_window_days = var('needs_awareness_window_days', 365) -%}

with identity as (

    select * from {{ ref('int_contacts__identity') }}

),

events as (

    select * from {{ ref('int_events__daily_resolved') }}

),

content_rules as (

    select * from {{ ref('content_rules') }}

),

canonical_contacts as (

    select
        contact_id,
        account_id
    from identity
    where is_canonical

),

content_events as (

    select
        contact_id,
        url,
        event_count,
        {{ dbt.datediff(
            'event_date',
            as_of_date(),
            'day',
        ) }} as age_days
    from events
    where
        event_type in ('page_view', 'form_submit')
        and contact_id is not null
        and url is not null
        and event_date <= {{ as_of_date() }}

),

content_url_rules as (

    {{ engagement_url_content_rules('content_events', 'content_rules') }}

),

consumed as (

    select
        content_events.contact_id,
        content_events.age_days,
        content_events.event_count,
        content_url_rules.rule_content_topic as content_topic,
        content_url_rules.rule_need as need,
        case content_url_rules.rule_awareness_stage
            when 'unaware' then 1
            when 'problem_aware' then 2
            when 'solution_aware' then 3
            when 'product_aware' then 4
            when 'most_aware' then 5
        end as awareness_order
    from content_events
    inner join content_url_rules
        on content_events.url = content_url_rules.url

),

recent as (

    select * from consumed
    where age_days < {{ window_days }}

),

topic_counts as (

    select
        contact_id,
        content_topic,
        cast(sum(event_count) as {{ dbt.type_bigint() }}) as topic_events,
        row_number() over (
            partition by contact_id
            order by sum(event_count) desc, content_topic
        ) as topic_rank
    from recent
    group by contact_id, content_topic

),

need_counts as (

    select
        contact_id,
        need,
        row_number() over (
            partition by contact_id
            order by sum(event_count) desc, need
        ) as need_rank
    from recent
    group by contact_id, need

),

topic_lists as (

    select
        contact_id,
        count(*) as topic_count,
        sum(topic_events) as content_events_in_window,
        {{ engagement_sorted_listagg('content_topic', "';'") }} as topics_consumed
    from topic_counts
    group by contact_id

),

awareness as (

    select
        contact_id,
        max(awareness_order) as awareness_order
    from consumed
    where age_days < {{ awareness_window_days }}
    group by contact_id

),

joined as (

    select
        -- ids
        canonical_contacts.contact_id,
        canonical_contacts.account_id,

        -- needs
        main_topics.content_topic as main_content_topic,
        main_needs.need as main_need,
        topic_lists.topics_consumed,
        coalesce(topic_lists.topic_count, 0) as topic_count,
        coalesce(topic_lists.content_events_in_window, 0) as content_events_in_window,

        -- awareness
        case coalesce(awareness.awareness_order, 1)
            when 1 then 'unaware'
            when 2 then 'problem_aware'
            when 3 then 'solution_aware'
            when 4 then 'product_aware'
            else 'most_aware'
        end as awareness_stage,
        coalesce(awareness.awareness_order, 1) as awareness_stage_order,
        awareness.contact_id is not null as has_content

    from canonical_contacts
    left join topic_counts as main_topics
        on
            canonical_contacts.contact_id = main_topics.contact_id
            and main_topics.topic_rank = 1
    left join need_counts as main_needs
        on
            canonical_contacts.contact_id = main_needs.contact_id
            and main_needs.need_rank = 1
    left join topic_lists
        on canonical_contacts.contact_id = topic_lists.contact_id
    left join awareness
        on canonical_contacts.contact_id = awareness.contact_id

)

select * from joined
