{#- Helpers of the behavioural attributes (contact_behavior, int_orders__contact_purchases). -#}

{#- Tie-aware 1-5 quintile score: 1 + floor((rank - 1) * 5 / count), where
    `rank_expression` is a SQL rank() among `count_expression` rows ordered from the worst
    value to the best, so tied values share the rank of their first row. A score s means
    that at least (s - 1) fifths of the rows have a strictly worse value; equal values
    always get equal scores. The worst value always scores 1; when one value is shared by
    many rows (most customers bought once), the scores right above it stay empty, e.g. 60%
    one-time buyers all get f = 1, and the next frequency starts at 4. -#}
{% macro behavior_quintile(rank_expression, count_expression) -%}
    cast(
        1 + floor(({{ rank_expression }} - 1) * 5.0 / {{ count_expression }})
        as {{ dbt.type_int() }}
    )
{%- endmacro %}

{#- The named RFM segment of a recency score `r` and frequency score `f` (both 1-5), on
    the common R/F grid:
        R1: F1-2 Lost,           F3-4 At Risk,            F5 Can't Lose Them
        R2: F1-2 Hibernating,    F3-4 At Risk,            F5 Can't Lose Them
        R3: F1-2 About to Sleep, F3 Need Attention,       F4-5 Loyal
        R4: F1 Promising,        F2-3 Potential Loyalist, F4-5 Loyal
        R5: F1 New,              F2-3 Potential Loyalist, F4-5 Champions
    'No Purchases' when either score is null. -#}
{% macro behavior_rfm_segment(r, f) -%}
    case
        when {{ r }} is null or {{ f }} is null then 'No Purchases'
        when {{ r }} = 5 and {{ f }} >= 4 then 'Champions'
        when {{ r }} >= 3 and {{ f }} >= 4 then 'Loyal'
        when {{ r }} >= 4 and {{ f }} >= 2 then 'Potential Loyalist'
        when {{ r }} = 5 then 'New'
        when {{ r }} = 4 then 'Promising'
        when {{ r }} = 3 and {{ f }} = 3 then 'Need Attention'
        when {{ r }} = 3 then 'About to Sleep'
        when {{ f }} = 5 then 'Can''t Lose Them'
        when {{ f }} >= 3 then 'At Risk'
        when {{ r }} = 2 then 'Hibernating'
        else 'Lost'
    end
{%- endmacro %}
