{#- Lead score of each canonical contact = fit score + engagement score.
    Fit: every "attribute:value" fit signal of seed lead_scoring_weights the contact
    (buying_role, seniority, persona from contact_persona) or its account (employee_band =
    account_firmographics.segment_size, industry, region = hq_region) has scores its weight
    once. Engagement: every identified event up to the as-of date scores
    weight(event_type) * 0.5 ^ (age_days / half_life_days), age in whole days from the
    event date to the as-of date; a page view whose URL's winning content rule is
    most_aware also scores the pricing_page_view signal. Vars: lead_score_mql_threshold
    (50), lead_score_sql_threshold (80); a score exactly at a threshold qualifies. -#}
{%- set mql_threshold = var('lead_score_mql_threshold', 50) -%}
{%- set sql_threshold = var('lead_score_sql_threshold', 80) -%}
{%- set fit_attributes = [
    'buying_role', 'seniority', 'persona', 'employee_band', 'industry', 'region'
] -%}
{%- set engagement_signals = [
    'page_view', 'pricing_page_view', 'email_open', 'email_click', 'form_submit',
    'product_login', 'feature_used', 'support_ticket', 'email_unsubscribe', 'email_bounce'
] -%}

with identity as (

    select * from {{ ref('int_contacts__identity') }}

),

personas as (

    select * from {{ ref('contact_persona') }}

),

firmographics as (

    select * from {{ ref('account_firmographics') }}

),

events as (

    select * from {{ ref('int_events__daily_resolved') }}

),

weights as (

    select * from {{ ref('lead_scoring_weights') }}

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

contact_attributes as (

    select
        canonical_contacts.contact_id,
        personas.buying_role,
        personas.seniority,
        personas.persona,
        firmographics.segment_size as employee_band,
        firmographics.industry,
        firmographics.hq_region as region
    from canonical_contacts
    left join personas
        on canonical_contacts.contact_id = personas.contact_id
    left join firmographics
        on canonical_contacts.account_id = firmographics.account_id

),

fit_signals as (

    {% for attribute in fit_attributes %}
        select
            contact_id,
            '{{ attribute }}' as fit_attribute,
            {{ dbt.concat(["'" ~ attribute ~ ":'", attribute]) }} as scoring_signal
        from contact_attributes
        where {{ attribute }} is not null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

fit_points as (

    select
        fit_signals.contact_id,
        fit_signals.fit_attribute,
        weights.weight
    from fit_signals
    inner join weights
        on
            fit_signals.scoring_signal = weights.signal
            and weights.component = 'fit'

),

known_events as (

    select
        contact_id,
        event_type,
        url,
        event_count,
        {{ dbt.datediff(
            'event_date',
            as_of_date(),
            'day',
        ) }} as age_days
    from events
    where
        contact_id is not null
        and event_date <= {{ as_of_date() }}

),

page_views as (

    select * from known_events
    where event_type = 'page_view' and url is not null

),

page_view_url_rules as (

    {{ engagement_url_content_rules('page_views', 'content_rules') }}

),

pricing_page_views as (

    select
        page_views.contact_id,
        'pricing_page_view' as scoring_signal,
        page_views.age_days,
        page_views.event_count
    from page_views
    inner join page_view_url_rules
        on page_views.url = page_view_url_rules.url
    where page_view_url_rules.rule_awareness_stage = 'most_aware'

),

engagement_signals as (

    select
        contact_id,
        event_type as scoring_signal,
        age_days,
        event_count
    from known_events

    union all

    select * from pricing_page_views

),

engagement_points as (

    select
        engagement_signals.contact_id,
        engagement_signals.scoring_signal,
        engagement_signals.event_count * {{ engagement_decayed_points(
            'weights.weight', 'weights.half_life_days', 'engagement_signals.age_days'
        ) }} as points
    from engagement_signals
    inner join weights
        on
            engagement_signals.scoring_signal = weights.signal
            and weights.component = 'engagement'

),

fit_by_contact as (

    select
        contact_id,
        {% for attribute in fit_attributes %}
            sum(
                case when fit_attribute = '{{ attribute }}' then weight else 0 end
            ) as fit_{{ attribute }},
        {% endfor %}
        sum(weight) as fit_score
    from fit_points
    group by contact_id

),

engagement_by_contact as (

    select
        contact_id,
        {% for signal in engagement_signals %}
            sum(
                case when scoring_signal = '{{ signal }}' then points else 0 end
            ) as score_{{ signal }},
        {% endfor %}
        sum(points) as engagement_score
    from engagement_points
    group by contact_id

),

scored as (

    select
        -- ids
        canonical_contacts.contact_id,
        canonical_contacts.account_id,

        -- fit breakdown
        {% for attribute in fit_attributes %}
            {{ round_double('coalesce(fit_by_contact.fit_' ~ attribute ~ ', 0)') }}
                as fit_{{ attribute }},
        {% endfor %}

        -- engagement breakdown
        {% for signal in engagement_signals %}
            {{ round_double('coalesce(engagement_by_contact.score_' ~ signal ~ ', 0)') }}
                as score_{{ signal }},
        {% endfor %}

        -- scores
        {{ round_double('coalesce(fit_by_contact.fit_score, 0)') }} as fit_score,
        {{ round_double('coalesce(engagement_by_contact.engagement_score, 0)') }}
            as engagement_score,
        {{ round_double(
            'coalesce(fit_by_contact.fit_score, 0)'
            ~ ' + coalesce(engagement_by_contact.engagement_score, 0)'
        ) }} as lead_score

    from canonical_contacts
    left join fit_by_contact
        on canonical_contacts.contact_id = fit_by_contact.contact_id
    left join engagement_by_contact
        on canonical_contacts.contact_id = engagement_by_contact.contact_id

),

final as (

    select
        scored.*,
        scored.lead_score >= {{ mql_threshold }} as is_mql,
        scored.lead_score >= {{ sql_threshold }} as is_sql,
        case
            when scored.lead_score >= {{ sql_threshold }} then 'bottom'
            when scored.lead_score >= {{ mql_threshold }} then 'middle'
            else 'top'
        end as funnel_stage
    from scored

)

select * from final
