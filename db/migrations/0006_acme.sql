-- compatible-with: previous
-- ACME (RFC 8555) per CA, bound to tenants by External Account Binding
-- (docs/acme.md). Expand only: older binaries ignore all of it.

-- An ACME account acts as itself in the audit trail: events name either an
-- API key or an ACME account.
ALTER TABLE audit_events ALTER COLUMN actor_key_id DROP NOT NULL;
ALTER TABLE audit_events ADD COLUMN actor_account_id uuid;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_actor
    CHECK (actor_key_id IS NOT NULL OR actor_account_id IS NOT NULL);

-- Whether the CA speaks ACME, and which challenge types it offers.
ALTER TABLE cas ADD COLUMN acme jsonb NOT NULL DEFAULT '{"enabled": false, "challenges": []}';

-- Single-use keys an owner hands to an ACME client; the HMAC key is sealed
-- under the KEK like CA keys (a dump alone does not reveal it).
CREATE TABLE acme_eab_keys (
    id          uuid        PRIMARY KEY,
    tenant_id   uuid        NOT NULL REFERENCES tenants (id),
    name        text        NOT NULL,
    kid         text        NOT NULL UNIQUE,
    hmac_key    bytea       NOT NULL,
    kek_id      text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    used_at     timestamptz,
    account_id  uuid,
    deleted_at  timestamptz
);
CREATE INDEX acme_eab_keys_tenant ON acme_eab_keys (tenant_id, created_at DESC, id DESC);

CREATE TABLE acme_accounts (
    id          uuid        PRIMARY KEY,
    tenant_id   uuid        NOT NULL REFERENCES tenants (id),
    ca_id       uuid        NOT NULL REFERENCES cas (id),
    thumbprint  text        NOT NULL,
    jwk         jsonb       NOT NULL,
    status      text        NOT NULL CHECK (status IN ('valid', 'deactivated', 'revoked')),
    contact     jsonb       NOT NULL DEFAULT '[]',
    eab_key_id  uuid        REFERENCES acme_eab_keys (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (ca_id, thumbprint)
);
CREATE INDEX acme_accounts_tenant ON acme_accounts (tenant_id, created_at DESC, id DESC);

-- Nonces live here so that any worker of any instance accepts a nonce once.
CREATE TABLE acme_nonces (
    nonce       text        PRIMARY KEY,
    expires_at  timestamptz NOT NULL
);

CREATE TABLE acme_orders (
    id              uuid        PRIMARY KEY,
    tenant_id       uuid        NOT NULL REFERENCES tenants (id),
    ca_id           uuid        NOT NULL REFERENCES cas (id),
    account_id      uuid        NOT NULL REFERENCES acme_accounts (id),
    status          text        NOT NULL,
    expires_at      timestamptz NOT NULL,
    identifiers     jsonb       NOT NULL,
    error           jsonb,
    certificate_id  uuid        REFERENCES certificates (id),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX acme_orders_account ON acme_orders (account_id);

CREATE TABLE acme_authorizations (
    id                uuid        PRIMARY KEY,
    order_id          uuid        NOT NULL REFERENCES acme_orders (id),
    account_id        uuid        NOT NULL REFERENCES acme_accounts (id),
    identifier_type   text        NOT NULL,
    identifier_value  text        NOT NULL,
    wildcard          boolean     NOT NULL,
    status            text        NOT NULL,
    expires_at        timestamptz NOT NULL
);
CREATE INDEX acme_authorizations_order ON acme_authorizations (order_id);

-- A challenge in 'processing' is a validation job: any worker of any
-- instance claims it (FOR UPDATE SKIP LOCKED) for a lease; a job whose
-- worker died is claimed again when the lease has passed.
CREATE TABLE acme_challenges (
    id                uuid        PRIMARY KEY,
    authorization_id  uuid        NOT NULL REFERENCES acme_authorizations (id),
    type              text        NOT NULL,
    token             text        NOT NULL,
    status            text        NOT NULL,
    validated_at      timestamptz,
    error             jsonb,
    attempts          integer     NOT NULL DEFAULT 0,
    next_attempt_at   timestamptz,
    claimed_until     timestamptz,
    claimed_by        text          -- host:pid of the worker holding the lease
);
CREATE INDEX acme_challenges_authorization ON acme_challenges (authorization_id);
CREATE INDEX acme_challenges_due ON acme_challenges (next_attempt_at) WHERE status = 'processing';
