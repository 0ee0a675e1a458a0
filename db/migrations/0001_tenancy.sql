-- Tenants, API keys and the audit trail.
-- Every tenant-owned row carries tenant_id; every list query has a composite
-- index that matches its keyset order (created_at DESC, id DESC).

CREATE TABLE tenants (
    id          uuid        PRIMARY KEY,
    name        text        NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9-]{1,64}$'),
    rate_rps    integer     NOT NULL CHECK (rate_rps BETWEEN 1 AND 1000000),
    rate_burst  integer     NOT NULL CHECK (rate_burst BETWEEN 1 AND 1000000),
    disabled    boolean     NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX tenants_list_idx ON tenants (created_at DESC, id DESC);

CREATE TABLE api_keys (
    id          uuid        PRIMARY KEY,
    -- NULL only for operator keys, which reach no tenant data.
    tenant_id   uuid        REFERENCES tenants (id),
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 128),
    role        text        NOT NULL CHECK (role IN ('operator', 'owner', 'issuer', 'reader')),
    -- HMAC-SHA-256 of the secret part of the token; the secret itself is never stored.
    secret_hash bytea       NOT NULL CHECK (length(secret_hash) = 32),
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    deleted_at  timestamptz,
    CHECK ((tenant_id IS NULL) = (role = 'operator'))
);
CREATE INDEX api_keys_tenant_list_idx ON api_keys (tenant_id, created_at DESC, id DESC)
    WHERE deleted_at IS NULL;

CREATE TABLE audit_events (
    id           uuid        PRIMARY KEY,
    tenant_id    uuid        REFERENCES tenants (id),
    time         timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor_key_id uuid        NOT NULL REFERENCES api_keys (id),
    action       text        NOT NULL,
    target_type  text        NOT NULL,
    target_id    text,
    request_id   text        NOT NULL,
    detail       jsonb       NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_events_tenant_list_idx ON audit_events (tenant_id, time DESC, id DESC);

-- Workers LISTEN on this channel to drop cached keys and tenants at once.
CREATE FUNCTION tenantca_notify_auth_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tenantca_auth', TG_TABLE_NAME || ':' || NEW.id::text);
    RETURN NEW;
END
$$;
CREATE TRIGGER api_keys_changed AFTER UPDATE ON api_keys
    FOR EACH ROW EXECUTE FUNCTION tenantca_notify_auth_change();
CREATE TRIGGER tenants_changed AFTER UPDATE ON tenants
    FOR EACH ROW EXECUTE FUNCTION tenantca_notify_auth_change();
