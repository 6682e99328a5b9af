{#- Event staging helpers (base_events__events). -#}

{#- The event types the collector sends; anything else is invalid_value. -#}
{% macro events_known_types() -%}
    {{ return([
        'page_view', 'email_sent', 'email_open', 'email_click', 'email_unsubscribe',
        'email_bounce', 'form_submit', 'product_login', 'feature_used', 'support_ticket',
    ]) }}
{%- endmacro %}

{#- The event's email, lower-cased and trimmed, or null when blank or not a usable email
    (a control or invisible character or a space inside it, or not shaped like an email). The email of an
    event is an optional identity hint, so a bad one is dropped (the event is kept and the
    raw text stays in base_events__events.raw_email) instead of rejecting the event. -#}
{% macro events_email_normalized(expression) -%}
    case
        when
            not {{ staging_has_unprintable_or_inner_space(expression) }}
            and {{ staging_is_valid_email('lower(trim(' ~ expression ~ '))') }}
            then lower(trim({{ expression }}))
    end
{%- endmacro %}
