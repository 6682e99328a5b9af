{#- RFM grid: one row per recency score x frequency score cell of the contacts with
    purchases (contact_profile), with the named RFM segment of the cell, its size, share
    of purchasers and average spend; the shape marketing teams read as a 5 x 5 heat map. -#}

with profiles as (

    select * from {{ ref('contact_profile') }}

),

purchasers as (

    select
        r_score,
        f_score,
        rfm_segment,
        monetary,
        recency_days,
        frequency
    from profiles
    where r_score is not null and f_score is not null

),

cells as (

    select
        r_score,
        f_score,
        min(rfm_segment) as rfm_segment,
        count(*) as contacts,
        {{ segment_number('avg(monetary)', 2) }} as avg_monetary,
        {{ segment_number('avg(recency_days)', 1) }} as avg_recency_days,
        {{ segment_number('avg(frequency)', 2) }} as avg_frequency
    from purchasers
    group by r_score, f_score

),

final as (

    select
        r_score,
        f_score,
        rfm_segment,
        contacts,
        {{ segment_number(
            'cast(contacts as ' ~ type_double() ~ ') / sum(contacts) over ()', 4
        ) }} as share_of_purchasers,
        avg_monetary,
        avg_recency_days,
        avg_frequency
    from cells

)

select * from final
order by r_score desc, f_score desc
