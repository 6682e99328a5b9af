{#- One row per contact id erased on request (docs/privacy.md), as the md5 hash
    stg_privacy__erased_keys keeps (never the id itself): the export matches the contacts of
    its previous state against it, to remove them from every destination and count them
    under 'erased'. In the activation schema because the activation reader may not read
    `audit`. -#}

with erased_keys as (

    select * from {{ ref('stg_privacy__erased_keys') }}

),

final as (

    select key_hash as contact_id_md5
    from erased_keys
    where key_type = 'contact_id'

)

select * from final
