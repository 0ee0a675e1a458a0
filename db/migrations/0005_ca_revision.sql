-- compatible-with: previous
-- Every change to a CA bumps its revision, whoever makes it (a trigger, so
-- the updates of older binaries count too). Issuance stores a certificate
-- only if the CA still has the revision the certificate was planned and
-- signed with: workers may cache CA rows and still never issue under a
-- policy, key or state that has changed meanwhile (docs/architecture.md).
ALTER TABLE cas ADD COLUMN revision bigint NOT NULL DEFAULT 1;

CREATE FUNCTION tenantca_bump_ca_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.revision := OLD.revision + 1;
    RETURN NEW;
END
$$;
CREATE TRIGGER cas_revision BEFORE UPDATE ON cas
    FOR EACH ROW EXECUTE FUNCTION tenantca_bump_ca_revision();
