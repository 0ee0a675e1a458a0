-- NOTIFY tenantca_write only when the writing session says read replicas
-- are in use (tenantca sets tenantca.replica_reads=on in PGOPTIONS when
-- database.replica_url is set). Every NOTIFY wakes every listening backend
-- at commit; measured on certificate issuance without replicas, the
-- unconditional notification cost 13-27% of the throughput.
CREATE OR REPLACE FUNCTION tenantca_notify_tenant_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.tenant_id IS NOT NULL AND current_setting('tenantca.replica_reads', true) = 'on' THEN
        PERFORM pg_notify('tenantca_write', NEW.tenant_id::text);
    END IF;
    RETURN NULL;
END
$$;
