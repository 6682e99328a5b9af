{#- Generic test: fails for every pair of validity windows of the same key that overlap.
    Windows are [valid_from, valid_to) with a null valid_to meaning "still open". -#}
{% test no_overlapping_windows(model, key_columns, valid_from='valid_from', valid_to='valid_to') %}
select
    {% for column in key_columns -%}
        earlier.{{ column }},
    {% endfor -%}
    earlier.{{ valid_from }} as earlier_valid_from,
    earlier.{{ valid_to }} as earlier_valid_to,
    later.{{ valid_from }} as later_valid_from
from {{ model }} as earlier
inner join {{ model }} as later
    on
        {% for column in key_columns -%}
            earlier.{{ column }} = later.{{ column }} and
        {% endfor -%}
        earlier.{{ valid_from }} < later.{{ valid_from }}
where earlier.{{ valid_to }} is null or earlier.{{ valid_to }} > later.{{ valid_from }}
{% endtest %}
