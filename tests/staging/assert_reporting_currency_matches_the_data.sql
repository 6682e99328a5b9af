{#- Warns when every staged order is in one currency other than var reporting_currency: the
    amounts are then converted with the fx_rates seed, which a team whose data is all in that
    one currency rarely wants (USD data shown in EUR moves every monetary result). Returns the
    data's currency; set the var to it, e.g. --vars '{reporting_currency: USD}' (README "Your
    own data"). Logs the message into the build output. -#}
{{ config(severity='warn') }}

{%- set reporting = var('reporting_currency') -%}
{%- if execute and flags.WHICH in ('build', 'test') -%}
    {%- set orders = adapter.get_relation(
        database=ref('stg_shop__orders').database,
        schema=ref('stg_shop__orders').schema,
        identifier=ref('stg_shop__orders').identifier,
    ) -%}
    {%- if orders is not none -%}
        {%- set found = run_query(
            'select min(currency), max(currency), count(*) from ' ~ orders
        ) -%}
        {%- set row = found.rows[0] -%}
        {%- if row[2] > 0 and row[0] == row[1] and row[0] != reporting -%}
            {%- do log(
                'Reporting currency: every one of the ' ~ row[2] ~ ' staged orders is in ' ~ row[0]
                ~ ', but reporting_currency is ' ~ reporting ~ ': amounts are converted with the'
                ~ ' fx_rates seed. Set --vars "{reporting_currency: ' ~ row[0] ~ '}" to report'
                ~ ' in the data\'s own currency.', info=true
            ) -%}
        {%- endif -%}
    {%- endif -%}
{%- endif %}

with orders as (

    select * from {{ ref('stg_shop__orders') }}

),

currencies as (

    select
        min(currency) as data_currency,
        max(currency) as max_currency,
        count(*) as order_count
    from orders

)

select
    data_currency,
    order_count
from currencies
where
    order_count > 0
    and data_currency = max_currency
    and data_currency != '{{ reporting }}'
