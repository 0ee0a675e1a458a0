-- Notifications for other instances (docs/scaling.md). Each instance's
-- workers LISTEN on these channels:
--   tenantca_write: a tenant's mutation committed (every mutation writes an
--     audit row in its transaction): its next reads skip the read replica
--     on every instance, for read-your-own-writes.
--   tenantca_pki: a certificate of a CA was revoked: cached OCSP answers for
--     that CA are dropped.
CREATE FUNCTION tenantca_notify_tenant_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.tenant_id IS NOT NULL THEN
        PERFORM pg_notify('tenantca_write', NEW.tenant_id::text);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER audit_events_written AFTER INSERT ON audit_events
    FOR EACH ROW EXECUTE FUNCTION tenantca_notify_tenant_write();

CREATE FUNCTION tenantca_notify_revocation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.ca_id IS NOT NULL THEN
        PERFORM pg_notify('tenantca_pki', 'revoked:' || NEW.ca_id::text);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER certificates_revoked AFTER UPDATE OF revoked_at ON certificates
    FOR EACH ROW WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at)
    EXECUTE FUNCTION tenantca_notify_revocation();
