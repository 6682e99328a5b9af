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

{#- The CLV horizon, var('clv_horizon'): a count and a unit, e.g. '12 months', '39 weeks',
    '90 days' or '8.97 months' (a decimal count is honoured, never truncated; days, weeks and
    months, singular or plural). Returns {days, steps, step_days}: the horizon in days, the
    number of monthly steps that cover it (ceil(days / (365.25/12))) and the month length in
    days. Each step ends one month after the previous one, the last one at the horizon (a
    partial month when the count is not a whole number of months). Anything else is a
    compiler error naming the var. -#}
{% macro clv_horizon() -%}
    {%- set text = var('clv_horizon') | string | trim | lower -%}
    {%- set match = modules.re.match('^([0-9]+([.][0-9]+)?) *(day|week|month)s?$', text) -%}
    {%- if match is none -%}
        {{ exceptions.raise_compiler_error(
            "var clv_horizon must be a positive count and a unit (days, weeks or months), "
            ~ "e.g. '12 months', '39 weeks', '8.97 months'; got '" ~ var('clv_horizon') ~ "'"
        ) }}
    {%- endif -%}
    {%- set count = match.group(1) | float -%}
    {%- set days_per_month = 365.25 / 12 -%}
    {%- set days = count * {'day': 1.0, 'week': 7.0, 'month': days_per_month}[match.group(3)] -%}
    {%- if days <= 0 -%}
        {{ exceptions.raise_compiler_error("var clv_horizon must be longer than 0, got '" ~ text ~ "'") }}
    {%- endif -%}
    {%- set ns = namespace(steps=(days / days_per_month) | round(0, 'floor') | int) -%}
    {%- if ns.steps * days_per_month < days - 1e-9 -%}
        {%- set ns.steps = ns.steps + 1 -%}
    {%- endif -%}
    {{ return({'days': days, 'steps': ns.steps, 'step_days': days_per_month}) }}
{%- endmacro %}

{#- Months from the as-of date to the end of monthly step n of the horizon (the last step ends
    at the horizon itself): the exponent of the step's discount factor. -#}
{% macro clv_step_months(step) -%}
    {%- set horizon = clv_horizon() -%}
    {{ return([step * horizon['step_days'], horizon['days']] | min / horizon['step_days']) }}
{%- endmacro %}

{#- Sum of the discount factors (1 + rate)^-m over the horizon's monthly steps, each weighted
    by its share of a month (annuity factor of a run rate per month), evaluated at compile time
    from var('clv_monthly_discount_rate') and var('clv_horizon'). -#}
{% macro clv_annuity_factor() -%}
    {%- set rate = var('clv_monthly_discount_rate') | float -%}
    {%- set ns = namespace(total=0.0, previous=0.0) -%}
    {%- for step in range(1, clv_horizon()['steps'] + 1) -%}
        {%- set months = clv_step_months(step) -%}
        {%- set ns.total = ns.total + (months - ns.previous) * (1.0 + rate) ** (-months) -%}
        {%- set ns.previous = months -%}
    {%- endfor -%}
    {{ return(ns.total) }}
{%- endmacro %}

{#- 1 / (1 + exp(log_odds)), 0 beyond log-odds of 700 (exp would overflow). -#}
{% macro clv_logistic(log_odds) -%}
    case
        when {{ log_odds }} > 700 then 0
        else 1 / (1 + exp({{ log_odds }}))
    end
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
    row when its status is 'fitted', else no row). clv_model is the purchase model that scores
    (bgnbd when the row predates the column). Used by contact_clv and clv_purchase_curves. -#}
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
        max(v) as v,
        coalesce(max(clv_model), 'bgnbd') as clv_model,
        max(pnbd_r) as pnbd_r,
        max(pnbd_alpha) as pnbd_alpha,
        max(pnbd_s) as pnbd_s,
        max(pnbd_beta) as pnbd_beta
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


{#- The CTEs integers, months, series_*, unconditional_purchases and pair_purchases (one
    row per row of the CTE `pairs`: the distinct (frequency, t) of the customers, under the
    one-row CTE `fitted`): expected purchases of an alive customer to the horizon and their
    discounted monthly sum. Used by clv_purchase_curves and contact_clv; see
    clv_purchase_curves.sql for the formulas and docs/clv.md for the precision. -#}
{% macro clv_purchase_curve_ctes() -%}
{%- set time_unit_days = var('clv_time_unit_days') -%}
{%- set horizon = clv_horizon() -%}
{%- set horizon_months = horizon['steps'] -%}
{%- set max_terms = var('clv_hyp2f1_max_terms') | int -%}
integers as (

    {{ clv_integers([max_terms, horizon_months] | max) }}

),

months as (

    {#- monthly steps; the last one ends at the horizon (a partial month for e.g. 8.97 months
        or 39 weeks) -#}
    select
        n as month_number,
        case
            when n = {{ horizon_months }} then {{ horizon['days'] }}
            else cast(n as {{ type_double() }}) * {{ horizon['step_days'] }}
        end / {{ time_unit_days }} as horizon_time,
        {#- Weight of E(month) in the discounted sum: sum over m of (E(m) - E(m-1)) d(m)
            = sum over m of E(m) (d(m) - d(m+1)), with d(m) = (1 + rate)^-months(m), the
            step's discount factor, d(last + 1) = 0 and E(0) = 0. -#}
        power(
            1 + {{ var('clv_monthly_discount_rate') }},
            -case
                when n = {{ horizon_months }} then {{ clv_step_months(horizon_months) }}
                else n
            end
        )
        - case
            when n = {{ horizon_months }} then 0
            else
                power(
                    1 + {{ var('clv_monthly_discount_rate') }},
                    -case
                        when n + 1 = {{ horizon_months }} then {{ clv_step_months(horizon_months) }}
                        else n + 1
                    end
                )
        end as discount_weight
    from integers
    where n between 1 and {{ horizon_months }}

),

series_inputs as (

    select
        pairs.frequency,
        pairs.t,
        months.month_number,
        months.discount_weight,
        fitted.a,
        fitted.b,
        fitted.r,
        fitted.a + fitted.b - 1 - fitted.r as upper_1,
        fitted.a - 1 as upper_2,
        fitted.a + fitted.b + pairs.frequency - 1 as lower,
        months.horizon_time / (fitted.alpha + pairs.t + months.horizon_time) as z
    from pairs
    cross join months
    cross join fitted
    where fitted.clv_model = 'bgnbd'

),

{{ clv_hyp2f1_series_ctes('series', 'series_inputs', ['frequency', 't', 'month_number'], ['frequency']) }},

bgnbd_purchases as (

    {#- E(t) / p_alive at the end of every month: depends on (x, T) only. -#}
    select
        series_inputs.frequency,
        series_inputs.t,
        series_inputs.month_number,
        series_inputs.discount_weight,
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

pareto_nbd_purchases as (

    {#- Pareto/NBD, closed form: E(t) / p_alive = (r+x)(beta+T) / ((alpha+T)(s-1))
        [1 - ((beta+T)/(beta+T+t))^(s-1)], or (r+x)(beta+T)/(alpha+T) ln((beta+T+t)/(beta+T))
        at s = 1. -#}
    select
        pairs.frequency,
        pairs.t,
        months.month_number,
        months.discount_weight,
        (fitted.pnbd_r + pairs.frequency) * (fitted.pnbd_beta + pairs.t)
        / (fitted.pnbd_alpha + pairs.t)
        * case
            when abs(fitted.pnbd_s - 1) < 1e-9
                then ln((fitted.pnbd_beta + pairs.t + months.horizon_time) / (fitted.pnbd_beta + pairs.t))
            else
                (
                    1 - {{ clv_safe_exp(
                        '-(fitted.pnbd_s - 1) * ln((fitted.pnbd_beta + pairs.t + months.horizon_time)'
                        ~ ' / (fitted.pnbd_beta + pairs.t))'
                    ) }}
                ) / (fitted.pnbd_s - 1)
        end as purchases_to_month
    from pairs
    cross join months
    cross join fitted
    where fitted.clv_model = 'pareto_nbd'

),

unconditional_purchases as (

    {#- The scoring model's curve (only one of the two has rows). -#}
    select * from bgnbd_purchases
    union all
    select * from pareto_nbd_purchases

),

pair_purchases as (

    select
        frequency,
        t,
        max(
            case when month_number = {{ horizon_months }} then purchases_to_month end
        ) as horizon_purchases,
        sum(purchases_to_month * discount_weight) as discounted_purchases
    from unconditional_purchases
    group by
        frequency,
        t

)
{%- endmacro %}


{#- The CTEs <prefix>_sizes, <prefix>_coefficient_sizes, <prefix>_factors,
    <prefix>_coefficients, <prefix>_terms and <prefix>_sums: the power series of the Gauss
    hypergeometric function 2F1(upper_1, upper_2; lower; z) for every row of the CTE `inputs`
    (columns `keys`, upper_1, upper_2, lower, 0 <= z < 1), summed until the geometric tail bound
    is below var('clv_hyp2f1_tolerance') (at most var('clv_hyp2f1_max_terms') terms).
    upper_1, upper_2 and lower must depend on `coefficient_keys` (a subset of `keys`) only:
    term k is c_k z^k with c_k = (upper_1)_k (upper_2)_k / ((lower)_k k!), and the coefficients
    c_k are computed once per distinct coefficient key (cumulative sums of the logs of the
    factors, signs and exact zeros tracked apart), then every row sums
    sign * exp(ln|c_k| + k ln z) over its own k = 1..term_count: one join and one aggregate,
    no window over every row's terms. <prefix>_sums holds `keys` and hyp2f1; a row with z = 0
    sums no term and has no row there (2F1 = 1: join with coalesce(hyp2f1, 1)). Needs the CTE
    `integers` (0..max_terms). -#}
{% macro clv_hyp2f1_series_ctes(prefix, inputs, keys, coefficient_keys) -%}
{%- set max_terms = var('clv_hyp2f1_max_terms') | int -%}
{%- set chunk = 8 -%}
{{ prefix }}_sizes as (

    select
        {{ inputs }}.*,
        case
            when z <= 0 then 0
            else
                least(
                    {{ max_terms }},
                    greatest(
                        1,
                        ceiling(
                            ln({{ var('clv_hyp2f1_tolerance') }} * (1 - z)) / ln(z)
                        )
                    )
                )
        end as term_count,
        case when z > 0 then ln(z) end as log_z
    from {{ inputs }}

),

{{ prefix }}_coefficient_sizes as (

    {#- One row per coefficient key: its parameters and the most terms one of its rows needs. -#}
    select
        {% for key in coefficient_keys -%}
            {{ key }},
        {% endfor -%}
        upper_1,
        upper_2,
        lower,
        max(term_count) as term_count
    from {{ prefix }}_sizes
    group by
        {% for key in coefficient_keys -%}
            {{ key }},
        {% endfor -%}
        upper_1,
        upper_2,
        lower

),

{{ prefix }}_factors as (

    {#- c_k / c_(k-1) = (upper_1+k-1)(upper_2+k-1) / ((lower+k-1) k): logs of the absolute
        values, sign and exact zeros tracked apart so the cumulative sum gives every c_k. -#}
    select
        {% for key in coefficient_keys -%}
            {{ prefix }}_coefficient_sizes.{{ key }},
        {% endfor -%}
        integers.n as term_number,
        case when {{ prefix }}_coefficient_sizes.upper_1 + integers.n - 1 = 0 then 1 else 0 end
        + case when {{ prefix }}_coefficient_sizes.upper_2 + integers.n - 1 = 0 then 1 else 0 end
            as zero_factors,
        case when {{ prefix }}_coefficient_sizes.lower + integers.n - 1 = 0 then 1 else 0 end
            as pole_factors,
        case when {{ prefix }}_coefficient_sizes.upper_1 + integers.n - 1 < 0 then 1 else 0 end
        + case when {{ prefix }}_coefficient_sizes.upper_2 + integers.n - 1 < 0 then 1 else 0 end
        + case when {{ prefix }}_coefficient_sizes.lower + integers.n - 1 < 0 then 1 else 0 end
            as negative_factors,
        ln(
            case
                when {{ prefix }}_coefficient_sizes.upper_1 + integers.n - 1 = 0 then 1
                else abs({{ prefix }}_coefficient_sizes.upper_1 + integers.n - 1)
            end
        )
        + ln(
            case
                when {{ prefix }}_coefficient_sizes.upper_2 + integers.n - 1 = 0 then 1
                else abs({{ prefix }}_coefficient_sizes.upper_2 + integers.n - 1)
            end
        )
        - ln(
            case
                when {{ prefix }}_coefficient_sizes.lower + integers.n - 1 = 0 then 1
                else abs({{ prefix }}_coefficient_sizes.lower + integers.n - 1)
            end
        )
        - ln(cast(integers.n as {{ type_double() }})) as log_factor
    from {{ prefix }}_coefficient_sizes
    inner join integers
        on
            integers.n >= 1
            and integers.n <= {{ prefix }}_coefficient_sizes.term_count

),

{{ prefix }}_coefficients as (

    select
        {% for key in coefficient_keys -%}
            {{ key }},
        {% endfor -%}
        term_number,
        sum(zero_factors) over (
            partition by {{ coefficient_keys | join(', ') }}
            order by term_number
            rows between unbounded preceding and current row
        ) as zeros_so_far,
        sum(pole_factors) over (
            partition by {{ coefficient_keys | join(', ') }}
            order by term_number
            rows between unbounded preceding and current row
        ) as poles_so_far,
        sum(negative_factors) over (
            partition by {{ coefficient_keys | join(', ') }}
            order by term_number
            rows between unbounded preceding and current row
        ) as negatives_so_far,
        sum(log_factor) over (
            partition by {{ coefficient_keys | join(', ') }}
            order by term_number
            rows between unbounded preceding and current row
        ) as log_abs_coefficient
    from {{ prefix }}_factors

),

{{ prefix }}_chunks as (

    {#- The coefficients in chunks of {{ chunk }} terms, one row per chunk and coefficient key:
        sign (0 once a zero factor occurred, else -1 for an odd count of negative factors) and
        ln|c_k| of term k = chunk_number * {{ chunk }} + i + 1 in columns sign_i, log_i, and the
        first term with a pole (null if none). -#}
    select
        {% for key in coefficient_keys -%}
            {{ key }},
        {% endfor -%}
        cast(floor((term_number - 1) / {{ chunk }}) as {{ dbt.type_int() }}) as chunk_number,
        min(case when poles_so_far > 0 then term_number end) as first_pole_term,
        {% for i in range(chunk) -%}
            max(
                case
                    when mod(term_number - 1, {{ chunk }}) = {{ i }}
                        then
                            case
                                when zeros_so_far > 0 then 0
                                else 1 - 2 * mod(negatives_so_far, 2)
                            end
                end
            ) as sign_{{ i }},
            max(
                case when mod(term_number - 1, {{ chunk }}) = {{ i }} then log_abs_coefficient end
            ) as log_{{ i }}{{ ',' if not loop.last }}
        {% endfor %}
    from {{ prefix }}_coefficients
    group by
        {% for key in coefficient_keys -%}
            {{ key }},
        {% endfor -%}
        cast(floor((term_number - 1) / {{ chunk }}) as {{ dbt.type_int() }})

),

{{ prefix }}_chunk_sums as (

    {#- Per row and chunk: the sum of its terms up to the row's term_count. -#}
    select
        {% for key in keys -%}
            {{ prefix }}_sizes.{{ key }},
        {% endfor -%}
        case
            when {{ prefix }}_chunks.first_pole_term <= {{ prefix }}_sizes.term_count then 1
            else 0
        end as has_pole,
        {% for i in range(chunk) -%}
            {%- set term = prefix ~ '_chunks.chunk_number * ' ~ chunk ~ ' + ' ~ (i + 1) %}
            case
                when {{ term }} <= {{ prefix }}_sizes.term_count
                    then
                        {{ prefix }}_chunks.sign_{{ i }}
                        * {{ clv_safe_exp(
                            prefix ~ '_chunks.log_' ~ i ~ ' + (' ~ term ~ ') * ' ~ prefix ~ '_sizes.log_z'
                        ) }}
                else 0
            end{{ ' +' if not loop.last }}
        {%- endfor %} as chunk_sum
    from {{ prefix }}_sizes
    inner join integers
        on
            integers.n >= 0
            and integers.n * {{ chunk }} < {{ prefix }}_sizes.term_count
    inner join {{ prefix }}_chunks
        on
            {% for key in coefficient_keys -%}
                {{ prefix }}_sizes.{{ key }} = {{ prefix }}_chunks.{{ key }}
                and {% endfor -%}
            integers.n = {{ prefix }}_chunks.chunk_number

),

{{ prefix }}_sums as (

    select
        {% for key in keys -%}
            {{ key }},
        {% endfor -%}
        {#- A pole (lower parameter a non-positive integer) leaves 2F1 undefined: null. -#}
        case when max(has_pole) > 0 then null else 1 end + sum(chunk_sum) as hyp2f1
    from {{ prefix }}_chunk_sums
    group by
        {{ keys | join(',\n        ') }}

)
{%- endmacro %}


{#- The CTEs pnbd_series_inputs, pnbd_series_* and pnbd_p_alive (one row per row of the CTE
    `triples`, the distinct (frequency, recency, t) of the customers, when the one-row CTE
    `fitted` scores with Pareto/NBD; no rows otherwise): P(alive) = 1 / (1 + s/(r+s+x) [((alpha+T)/(alpha+t_x))^(r+x)
    ((beta+T)/(beta+t_x))^s G(t_x) - G(T)]), with G(y) the Euler-transformed 2F1 of Fader &
    Hardie's note (upper parameters 1 and r+x or s+1, lower r+s+x+1: every term is at most z
    times the one before, so the series converges from the first term):
      alpha >= beta: G(y) = 2F1(1, r+x; r+s+x+1; (alpha-beta)/(alpha+y))
      alpha <  beta: G(y) = (alpha+y)/(beta+y) 2F1(1, s+1; r+s+x+1; (beta-alpha)/(beta+y))
    z is largest at y = 0: 1 - min(alpha, beta)/max(alpha, beta). Needs the CTE `integers`
    (clv_purchase_curve_ctes). -#}
{% macro clv_pareto_nbd_p_alive_ctes() -%}
pnbd_points as (

    {#- point_number 0: y = t_x; 1: y = T. -#}
    select
        triples.frequency,
        triples.recency,
        triples.t,
        points.point_number,
        case when points.point_number = 0 then triples.recency else triples.t end as y
    from triples
    cross join (select 0 as point_number union all select 1 as point_number) as points

),

pnbd_series_inputs as (

    select
        pnbd_points.frequency,
        pnbd_points.recency,
        pnbd_points.t,
        pnbd_points.point_number,
        case
            when fitted.pnbd_alpha >= fitted.pnbd_beta then 1
            else (fitted.pnbd_alpha + pnbd_points.y) / (fitted.pnbd_beta + pnbd_points.y)
        end as branch_factor,
        cast(1 as {{ type_double() }}) as upper_1,
        case
            when fitted.pnbd_alpha >= fitted.pnbd_beta then fitted.pnbd_r + pnbd_points.frequency
            else fitted.pnbd_s + 1
        end as upper_2,
        fitted.pnbd_r + fitted.pnbd_s + pnbd_points.frequency + 1 as lower,
        abs(fitted.pnbd_alpha - fitted.pnbd_beta)
        / (greatest(fitted.pnbd_alpha, fitted.pnbd_beta) + pnbd_points.y) as z
    from pnbd_points
    cross join fitted
    where fitted.clv_model = 'pareto_nbd'

),

{{ clv_hyp2f1_series_ctes(
    'pnbd_series', 'pnbd_series_inputs', ['frequency', 'recency', 't', 'point_number'], ['frequency']
) }},

pnbd_tails as (

    select
        pnbd_series_inputs.frequency,
        pnbd_series_inputs.recency,
        pnbd_series_inputs.t,
        max(
            case
                when pnbd_series_inputs.point_number = 0
                    then pnbd_series_inputs.branch_factor * coalesce(pnbd_series_sums.hyp2f1, 1)
            end
        ) as tail_at_recency,
        max(
            case
                when pnbd_series_inputs.point_number = 1
                    then pnbd_series_inputs.branch_factor * coalesce(pnbd_series_sums.hyp2f1, 1)
            end
        ) as tail_at_t
    from pnbd_series_inputs
    left join pnbd_series_sums
        on
            pnbd_series_inputs.frequency = pnbd_series_sums.frequency
            and pnbd_series_inputs.recency = pnbd_series_sums.recency
            and pnbd_series_inputs.t = pnbd_series_sums.t
            and pnbd_series_inputs.point_number = pnbd_series_sums.point_number
    group by
        pnbd_series_inputs.frequency,
        pnbd_series_inputs.recency,
        pnbd_series_inputs.t

),

pnbd_log_odds as (

    select
        pnbd_tails.frequency,
        pnbd_tails.recency,
        pnbd_tails.t,
        pnbd_tails.tail_at_t,
        fitted.pnbd_s / (fitted.pnbd_r + fitted.pnbd_s + pnbd_tails.frequency) as weight,
        (fitted.pnbd_r + pnbd_tails.frequency)
        * ln((fitted.pnbd_alpha + pnbd_tails.t) / (fitted.pnbd_alpha + pnbd_tails.recency))
        + fitted.pnbd_s
        * ln((fitted.pnbd_beta + pnbd_tails.t) / (fitted.pnbd_beta + pnbd_tails.recency))
        + ln(pnbd_tails.tail_at_recency) as log_dropped_term
    from pnbd_tails
    cross join fitted

),

pnbd_p_alive as (

    select
        frequency,
        recency,
        t,
        case
            when log_dropped_term > 700 then 0
            else
                1 / (
                    1 + weight * ({{ clv_safe_exp('log_dropped_term') }} - tail_at_t)
                )
        end as p_alive
    from pnbd_log_odds

)
{%- endmacro %}
