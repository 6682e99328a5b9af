-- The readers' roles of the segmentation warehouse (docs/privacy.md), created idempotently:
--   segmentation_bi          select on the marts and segments schemas (no direct identifiers);
--   segmentation_activation  the same, plus the restricted activation schema.
-- dbt grants them their tables at every build (dbt_project.yml `grants:`, macros/reader_grants.sql).
-- They can log in without a password only where pg_hba.conf trusts local connections (the
-- project's own test server); elsewhere set a password or grant the roles to your users:
--   alter role segmentation_bi password '...';   grant segmentation_bi to alice;
do $$
begin
    if not exists (select from pg_roles where rolname = 'segmentation_bi') then
        create role segmentation_bi login;
    end if;
    if not exists (select from pg_roles where rolname = 'segmentation_activation') then
        create role segmentation_activation login;
    end if;
end
$$;
