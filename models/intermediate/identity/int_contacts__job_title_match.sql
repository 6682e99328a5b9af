{#- The job-title rule each contact's title matches (seed job_title_rules): the rule
    whose title_pattern is a substring of lower(trim(job_title)) with the lowest
    priority, ties broken by the lowest rule_id. Contacts without a title or without a
    matching rule get persona 'unknown', job_function 'unknown', seniority 'unknown' and
    buying_role 'user'. -#}
with contacts as (

    select * from {{ ref('stg_crm__contacts') }}

),

job_title_rules as (

    select * from {{ ref('job_title_rules') }}

),

titles as (

    select
        contact_id,
        job_title,
        nullif(lower(trim(job_title)), '') as job_title_normalized
    from contacts

),

rule_matches as (

    select
        titles.contact_id,
        job_title_rules.rule_id,
        job_title_rules.persona,
        job_title_rules.job_function,
        job_title_rules.seniority,
        job_title_rules.buying_role,
        row_number() over (
            partition by titles.contact_id
            order by job_title_rules.priority, job_title_rules.rule_id
        ) as match_rank
    from titles
    inner join job_title_rules
        on {{ attributes_contains('titles.job_title_normalized', 'job_title_rules.title_pattern') }}

),

best_matches as (

    select * from rule_matches
    where match_rank = 1

),

joined as (

    select
        titles.contact_id,
        titles.job_title,
        titles.job_title_normalized,
        best_matches.rule_id as job_title_rule_id,
        coalesce(best_matches.persona, 'unknown') as persona,
        coalesce(best_matches.job_function, 'unknown') as job_function,
        coalesce(best_matches.seniority, 'unknown') as seniority,
        coalesce(best_matches.buying_role, 'user') as buying_role
    from titles
    left join best_matches
        on titles.contact_id = best_matches.contact_id

)

select * from joined
