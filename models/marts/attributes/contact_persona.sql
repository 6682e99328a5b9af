{#- Persona, seniority and buying role of each canonical contact, from the job-title
    rule its title matches (int_contacts__job_title_match: lowest priority, then
    rule_id). No title or no matching rule: persona 'unknown', seniority 'unknown',
    buying_role 'user'. -#}
with identity as (

    select * from {{ ref('int_contacts__identity') }}

),

job_title_matches as (

    select * from {{ ref('int_contacts__job_title_match') }}

),

joined as (

    select
        -- ids
        identity.contact_id,
        identity.account_id,

        -- title
        job_title_matches.job_title,
        job_title_matches.job_title_rule_id,

        -- classification
        coalesce(job_title_matches.persona, 'unknown') as persona,
        coalesce(job_title_matches.job_function, 'unknown') as job_function,
        coalesce(job_title_matches.seniority, 'unknown') as seniority,
        coalesce(job_title_matches.buying_role, 'user') as buying_role,
        coalesce(job_title_matches.buying_role = 'decision_maker', false) as is_decision_maker

    from identity
    left join job_title_matches
        on identity.contact_id = job_title_matches.contact_id
    where identity.is_canonical

)

select * from joined
