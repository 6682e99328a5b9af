{#- The staged events per event_date: their number and two checksums of their deliveries
    (row_fingerprint of base_events__events). Rebuilt by every run from the staged events
    (one scan of three columns, no join): int_events__daily_by_key compares its own per-day
    totals with these and recomputes exactly the days whose staged events changed, whatever
    changed them (new or late events, redeliveries, contacts arriving in or leaving the
    CRM, erasure). -#}

with events as (

    select * from {{ ref('stg_events__events') }}

),

final as (

    select
        event_date,
        count(*) as event_count,
        {{ events_fingerprint_sums() }}
    from events
    group by event_date

)

select * from final
