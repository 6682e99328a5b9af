{#- Helpers of the CLV scoring models (models/marts/clv). Portable SQL only. -#}

{#- A derived table of the integers 0..upper as column `n` (cross joins of digits; no
    engine-specific generate_series). -#}
{% macro clv_integers(upper) -%}
    {%- set digits = (upper | string) | length -%}
    select n
    from (
        select
            {% for position in range(digits) -%}
                digits_{{ position }}.digit * {{ 10 ** position }}
                {{- ' + ' if not loop.last }}
            {%- endfor %} as n
        from
            {% for position in range(digits) -%}
                (
                    {% for digit in range(10) -%}
                        select {{ digit }} as digit{{ ' union all ' if not loop.last }}
                    {%- endfor %}
                ) as digits_{{ position }}{{ ',' if not loop.last }}
            {% endfor %}
    ) as integers
    where n <= {{ upper }}
{%- endmacro %}

{#- exp() that returns 0 instead of underflowing (PostgreSQL raises on underflow) and caps
    the argument at 700 (about 1e304) instead of overflowing. -#}
{% macro clv_safe_exp(expression) -%}
    case
        when {{ expression }} < -700 then 0
        else exp(least({{ expression }}, 700))
    end
{%- endmacro %}

{#- Sum of the discount factors (1 + rate)^-m for m = 1..months (annuity factor),
    evaluated at compile time from var('clv_monthly_discount_rate') and var('clv_horizon_months'). -#}
{% macro clv_annuity_factor() -%}
    {%- set rate = var('clv_monthly_discount_rate') | float -%}
    {%- set months = var('clv_horizon_months') | int -%}
    {%- set ns = namespace(total=0.0) -%}
    {%- for month in range(1, months + 1) -%}
        {%- set ns.total = ns.total + (1.0 + rate) ** (-month) -%}
    {%- endfor -%}
    {{ return(ns.total) }}
{%- endmacro %}

{#- round(expression, digits) for doubles on every engine (PostgreSQL only rounds numeric). -#}
{% macro clv_round(expression, digits) -%}
    {{ return(adapter.dispatch('clv_round', 'customer_segmentation')(expression, digits)) }}
{%- endmacro %}

{% macro default__clv_round(expression, digits) -%}
    round({{ expression }}, {{ digits }})
{%- endmacro %}

{% macro postgres__clv_round(expression, digits) -%}
    cast(round(cast({{ expression }} as numeric), {{ digits }}) as {{ type_double() }})
{%- endmacro %}


{#- The CTEs current_fit (exactly one row: the clv_parameters row of the as-of date and
    time unit from the CTE `parameter_history`, all nulls when there is none) and fitted (that
    row when its status is 'fitted', else no row). Used by contact_clv and
    clv_purchase_curves. -#}
{% macro clv_current_fit_ctes(time_unit_days) -%}
current_fit as (

    select
        max(status) as fit_status,
        max(r) as r,
        max(alpha) as alpha,
        max(a) as a,
        max(b) as b,
        max(p) as p,
        max(q) as q,
        max(v) as v
    from parameter_history
    where
        as_of_date = {{ as_of_date() }}
        and time_unit_days = {{ time_unit_days }}

),

fitted as (

    select * from current_fit
    where fit_status = 'fitted'

)
{%- endmacro %}


{#- The CTEs integers, months, series_*, unconditional_purchases, monthly_purchases and
    pair_purchases (one row per distinct (frequency, t) of the CTE `summary`, under the one-row
    CTE `fitted`): expected purchases of an alive customer to the horizon and their discounted
    monthly sum. Used by clv_purchase_curves and contact_clv; see clv_purchase_curves.sql for
    the formulas and docs/clv.md for the precision. -#}
{% macro clv_purchase_curve_ctes() -%}
{%- set time_unit_days = var('clv_time_unit_days') -%}
{%- set horizon_months = var('clv_horizon_months') | int -%}
{%- set max_terms = var('clv_hyp2f1_max_terms') | int -%}
{%- set days_per_month = 365.25 / 12 -%}
integers as (

    {{ clv_integers([max_terms, horizon_months] | max) }}

),

months as (

    select
        n as month_number,
        cast(n as {{ type_double() }}) * {{ days_per_month }} / {{ time_unit_days }}
            as horizon_time
    from integers
    where n between 1 and {{ horizon_months }}

),

series_inputs as (

    select
        pairs.frequency,
        pairs.t,
        months.month_number,
        fitted.a,
        fitted.b,
        fitted.r,
        fitted.a + fitted.b - 1 - fitted.r as upper_1,
        fitted.a - 1 as upper_2,
        fitted.a + fitted.b + pairs.frequency - 1 as lower,
        months.horizon_time / (fitted.alpha + pairs.t + months.horizon_time) as z
    from (select distinct frequency, t from summary) as pairs
    cross join months
    cross join fitted

),

series_sizes as (

    select
        series_inputs.*,
        least(
            {{ max_terms }},
            greatest(
                1,
                ceiling(
                    ln({{ var('clv_hyp2f1_tolerance') }} * (1 - z)) / ln(z)
                )
            )
        ) as term_count
    from series_inputs

),

series_factors as (

    {#- Term k / term k-1 = (upper_1+k-1)(upper_2+k-1) z / ((lower+k-1) k): logs of the absolute
        values, sign and exact zeros tracked apart so the cumulative sum gives every term. -#}
    select
        series_sizes.frequency,
        series_sizes.t,
        series_sizes.month_number,
        integers.n as term_number,
        case when series_sizes.upper_1 + integers.n - 1 = 0 then 1 else 0 end
        + case when series_sizes.upper_2 + integers.n - 1 = 0 then 1 else 0 end as zero_factors,
        case when series_sizes.lower + integers.n - 1 = 0 then 1 else 0 end as pole_factors,
        case when series_sizes.upper_1 + integers.n - 1 < 0 then 1 else 0 end
        + case when series_sizes.upper_2 + integers.n - 1 < 0 then 1 else 0 end
        + case when series_sizes.lower + integers.n - 1 < 0 then 1 else 0 end
            as negative_factors,
        ln(
            case
                when series_sizes.upper_1 + integers.n - 1 = 0 then 1
                else abs(series_sizes.upper_1 + integers.n - 1)
            end
        )
        + ln(
            case
                when series_sizes.upper_2 + integers.n - 1 = 0 then 1
                else abs(series_sizes.upper_2 + integers.n - 1)
            end
        )
        - ln(
            case
                when series_sizes.lower + integers.n - 1 = 0 then 1
                else abs(series_sizes.lower + integers.n - 1)
            end
        )
        - ln(cast(integers.n as {{ type_double() }}))
        + ln(series_sizes.z) as log_factor
    from series_sizes
    inner join integers
        on
            integers.n >= 1
            and integers.n <= series_sizes.term_count

),

series_terms as (

    select
        frequency,
        t,
        month_number,
        sum(zero_factors) over (
            partition by frequency, t, month_number
            order by term_number
            rows between unbounded preceding and current row
        ) as zeros_so_far,
        sum(pole_factors) over (
            partition by frequency, t, month_number
            order by term_number
            rows between unbounded preceding and current row
        ) as poles_so_far,
        sum(negative_factors) over (
            partition by frequency, t, month_number
            order by term_number
            rows between unbounded preceding and current row
        ) as negatives_so_far,
        sum(log_factor) over (
            partition by frequency, t, month_number
            order by term_number
            rows between unbounded preceding and current row
        ) as log_abs_term
    from series_factors

),

series_sums as (

    select
        frequency,
        t,
        month_number,
        {#- A pole (lower parameter a non-positive integer) leaves 2F1 undefined: null. -#}
        case when max(poles_so_far) > 0 then null else 1 end
        + sum(
            case
                when zeros_so_far > 0 then 0
                else
                    (1 - 2 * mod(negatives_so_far, 2))
                    * {{ clv_safe_exp('log_abs_term') }}
            end
        ) as hyp2f1
    from series_terms
    group by
        frequency,
        t,
        month_number

),

unconditional_purchases as (

    {#- E(t) / p_alive at the end of every month: depends on (x, T) only. -#}
    select
        series_inputs.frequency,
        series_inputs.t,
        series_inputs.month_number,
        (series_inputs.lower / nullif(series_inputs.a - 1, 0))
        * (
            1
            - {{ clv_safe_exp('(series_inputs.a - 1) * ln(1 - series_inputs.z)') }}
            * series_sums.hyp2f1
        ) as purchases_to_month
    from series_inputs
    inner join series_sums
        on
            series_inputs.frequency = series_sums.frequency
            and series_inputs.t = series_sums.t
            and series_inputs.month_number = series_sums.month_number

),

monthly_purchases as (

    select
        frequency,
        t,
        month_number,
        purchases_to_month,
        purchases_to_month - coalesce(
            lag(purchases_to_month) over (
                partition by frequency, t
                order by month_number
            ),
            0
        ) as purchases_in_month
    from unconditional_purchases

),

pair_purchases as (

    select
        frequency,
        t,
        max(
            case when month_number = {{ horizon_months }} then purchases_to_month end
        ) as horizon_purchases,
        sum(
            purchases_in_month
            / power(1 + {{ var('clv_monthly_discount_rate') }}, month_number)
        ) as discounted_purchases
    from monthly_purchases
    group by
        frequency,
        t

)
{%- endmacro %}
