{#- Event staging helpers (base_events__events). -#}

{#- The event types the collector sends; anything else is invalid_value. -#}
{% macro events_known_types() -%}
    {{ return([
        'page_view', 'email_sent', 'email_open', 'email_click', 'email_unsubscribe',
        'email_bounce', 'form_submit', 'product_login', 'feature_used', 'support_ticket',
    ]) }}
{%- endmacro %}

{#- True when text holds a control character (below 0x20, or 0x7f) or a space. Applied to
    an email after trimming its leading and trailing spaces, so an embedded tab, newline or
    space makes it invalid while surrounding spaces stay a normalisation. Null for null. -#}
{% macro events_has_control_or_space(expression) -%}
    {{ return(adapter.dispatch('events_has_control_or_space', 'customer_segmentation')(expression)) }}
{%- endmacro %}

{% macro default__events_has_control_or_space(expression) -%}
    regexp_like({{ expression }}, '[\x01-\x20\x7f]')
{%- endmacro %}

{% macro duckdb__events_has_control_or_space(expression) -%}
    regexp_matches({{ expression }}, '[\x00-\x20\x7f]')
{%- endmacro %}

{% macro postgres__events_has_control_or_space(expression) -%}
    ({{ expression }} ~ '[\x01-\x20\x7f]')
{%- endmacro %}

{#- Spark string literals unescape backslashes: '\\x00' reaches the Java regex as \x00. -#}
{% macro spark__events_has_control_or_space(expression) -%}
    ({{ expression }} rlike '[\\x00-\\x20\\x7f]')
{%- endmacro %}

{#- The event's email, lower-cased and trimmed, or null when blank or not a usable email
    (a control character or space inside it, or not shaped like an email). The email of an
    event is an optional identity hint, so a bad one is dropped (the event is kept and the
    raw text stays in base_events__events.raw_email) instead of rejecting the event. -#}
{% macro events_email_normalized(expression) -%}
    case
        when
            not {{ events_has_control_or_space('trim(' ~ expression ~ ')') }}
            and {{ staging_is_valid_email('lower(trim(' ~ expression ~ '))') }}
            then lower(trim({{ expression }}))
    end
{%- endmacro %}
