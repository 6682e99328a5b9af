{#- One row per contact id, email and order id of an erased person, as an md5 hash (the
    plain value is never stored): every model leaves out the rows that carry one
    (macros/erasure.sql; anonymous ids: stg_privacy__erased_anonymous_ids).
    A request names a contact id and/or an email. The person is:
      contact ids  the requested ids, and every CRM contact whose email is an erased email;
      emails       the requested emails, and the emails of the requested contact ids' rows
                   (except a placeholder email shared by var
                   identity_placeholder_email_min_contacts contacts or more);
      order ids    the orders of an erased contact id (their lines carry no contact).
    Matching uses the normalisation of staging: ids trimmed, emails trimmed and
    lower-cased; raw rows are read whatever their validity, so quarantined rows go too.
    It reads no event: the hourly selector (children of the events source) stays as small. -#}

with requests as (

    select * from {{ source('privacy', 'privacy_erasure_requests') }}

),

contacts as (

    {{ staging_source_select('crm', 'crm_contacts', [{'name': 'contact_id'}, {'name': 'email'}]) }}

),

orders as (

    {{ staging_source_select('shop', 'shop_orders', [{'name': 'order_id'}, {'name': 'contact_id'}]) }}

),

-- emails of many contacts (an export's placeholder, as int_contacts__identity finds them):
-- erasing one of those contacts by id does not erase the others through it
placeholder_emails as (

    select {{ erasure_normalized_email('email') }} as email
    from contacts
    where {{ erasure_normalized_email('email') }} is not null
    group by {{ erasure_normalized_email('email') }}
    having
        count(distinct {{ erasure_normalized_id('contact_id') }})
        >= {{ var('identity_placeholder_email_min_contacts', 10) }}

),

requested_contact_ids as (

    select distinct {{ erasure_normalized_id('contact_id') }} as contact_id
    from requests
    where {{ erasure_normalized_id('contact_id') }} is not null

),

requested_emails as (

    select distinct {{ erasure_normalized_email('email') }} as email
    from requests
    where {{ erasure_normalized_email('email') }} is not null

),

erased_emails as (

    select email from requested_emails
    union
    select {{ erasure_normalized_email('contacts.email') }} as email
    from contacts
    inner join requested_contact_ids
        on {{ erasure_normalized_id('contacts.contact_id') }} = requested_contact_ids.contact_id
    where
        {{ erasure_normalized_email('contacts.email') }} is not null
        and {{ erasure_normalized_email('contacts.email') }} not in (
            select placeholder_emails.email from placeholder_emails
        )

),

erased_contact_ids as (

    select contact_id from requested_contact_ids
    union
    select {{ erasure_normalized_id('contacts.contact_id') }} as contact_id
    from contacts
    inner join erased_emails
        on {{ erasure_normalized_email('contacts.email') }} = erased_emails.email
    where {{ erasure_normalized_id('contacts.contact_id') }} is not null

),

erased_order_ids as (

    select distinct {{ erasure_normalized_id('orders.order_id') }} as order_id
    from orders
    inner join erased_contact_ids
        on {{ erasure_normalized_id('orders.contact_id') }} = erased_contact_ids.contact_id
    where {{ erasure_normalized_id('orders.order_id') }} is not null

),

erased_values as (

    select
        'contact_id' as key_type,
        contact_id as key_value
    from erased_contact_ids
    union all
    select
        'email' as key_type,
        email as key_value
    from erased_emails
    union all
    select
        'order_id' as key_type,
        order_id as key_value
    from erased_order_ids

),

final as (

    select
        {{ dbt.concat(["key_type", "':'", dbt.hash('key_value')]) }} as erased_key_id,
        key_type,
        {{ dbt.hash('key_value') }} as key_hash
    from erased_values

)

select * from final
