-- compatible-with: previous
-- A challenge a client asks to be validated wakes the validation runners of
-- every instance (channel tenantca_acme) instead of waiting for their next
-- look at the queue; the look stays, slower (acme.validation_poll_ms), for
-- retries that come due and for leases of lost instances. Only a trigger:
-- binaries of the previous schema go on as before.
CREATE FUNCTION tenantca_notify_validation_due() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tenantca_acme', 'validate');
    RETURN NULL;
END
$$;
CREATE TRIGGER acme_challenges_validation_due AFTER UPDATE OF status ON acme_challenges
    FOR EACH ROW WHEN (NEW.status = 'processing' AND OLD.status IS DISTINCT FROM 'processing')
    EXECUTE FUNCTION tenantca_notify_validation_due();
