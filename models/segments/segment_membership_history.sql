{#- Validity windows of segment membership, derived from the daily log (gaps and islands).
    The observed dates of a segment are the as-of dates it was built for
    (segment_sizes_daily). A window runs over consecutive observed dates on which the
    entity was a member: valid_from = its first date, valid_to = the next observed date on
    which the entity was no longer a member (exclusive), null while it still is. Who was in
    segment X on date D: valid_from <= D and (valid_to is null or valid_to > D). -#}

with membership_daily as (

    select * from {{ ref('segment_membership_daily') }}

),

sizes_daily as (

    select * from {{ ref('segment_sizes_daily') }}

),

observed_dates as (

    select
        segment_id,
        as_of_date,
        row_number() over (partition by segment_id order by as_of_date) as date_number,
        lead(as_of_date) over (partition by segment_id order by as_of_date) as next_as_of_date
    from sizes_daily

),

member_days as (

    select
        membership_daily.segment_id,
        membership_daily.entity_type,
        membership_daily.entity_id,
        membership_daily.as_of_date,
        membership_daily.reason,
        membership_daily.is_holdout,
        observed_dates.next_as_of_date,
        observed_dates.date_number
        - row_number() over (
            partition by
                membership_daily.segment_id,
                membership_daily.entity_type,
                membership_daily.entity_id
            order by membership_daily.as_of_date
        ) as island_number
    from membership_daily
    inner join observed_dates
        on
            membership_daily.segment_id = observed_dates.segment_id
            and membership_daily.as_of_date = observed_dates.as_of_date

),

windows as (

    select
        segment_id,
        entity_type,
        entity_id,
        island_number,
        min(as_of_date) as valid_from,
        max(as_of_date) as last_seen_date,
        count(*) as observed_days
    from member_days
    group by segment_id, entity_type, entity_id, island_number

),

final as (

    select
        {{ dbt.concat([
            "windows.segment_id", "':'", "windows.entity_type", "':'", "windows.entity_id",
            "':'", "cast(windows.valid_from as " ~ dbt.type_string() ~ ")",
        ]) }} as history_id,
        windows.segment_id,
        windows.entity_type,
        windows.entity_id,
        windows.valid_from,
        last_day.next_as_of_date as valid_to,
        windows.last_seen_date,
        windows.observed_days,
        last_day.next_as_of_date is null as is_current,
        first_day.reason as entry_reason,
        last_day.is_holdout
    from windows
    inner join member_days as first_day
        on
            windows.segment_id = first_day.segment_id
            and windows.entity_type = first_day.entity_type
            and windows.entity_id = first_day.entity_id
            and windows.valid_from = first_day.as_of_date
    inner join member_days as last_day
        on
            windows.segment_id = last_day.segment_id
            and windows.entity_type = last_day.entity_type
            and windows.entity_id = last_day.entity_id
            and windows.last_seen_date = last_day.as_of_date

)

select * from final
