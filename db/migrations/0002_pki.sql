-- Certificate authorities, their CRL state, and the certificate inventory.
-- Composite foreign keys (tenant_id, ca_id) make a cross-tenant reference
-- impossible, not merely unlikely.

CREATE TABLE cas (
    id                 uuid        PRIMARY KEY,
    tenant_id          uuid        NOT NULL REFERENCES tenants (id),
    name               text        NOT NULL CHECK (length(name) BETWEEN 1 AND 128),
    type               text        NOT NULL CHECK (type IN ('root', 'intermediate', 'imported')),
    parent_ca_id       uuid,
    serial             text        NOT NULL,
    subject            jsonb       NOT NULL,
    issuer             jsonb       NOT NULL,
    not_before         timestamptz NOT NULL,
    not_after          timestamptz NOT NULL,
    key_type           text        NOT NULL,
    path_length        integer,
    self_signed        boolean     NOT NULL,
    fingerprint_sha256 text        NOT NULL,
    certificate_pem    text        NOT NULL,
    -- AES-256-GCM (nonce || ciphertext || tag) under the KEK named by key_kek_id.
    key_ciphertext     bytea       NOT NULL,
    key_kek_id         text        NOT NULL,
    policy             jsonb       NOT NULL,
    disabled           boolean     NOT NULL DEFAULT false,
    created_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    UNIQUE (tenant_id, name),
    UNIQUE (tenant_id, id),
    FOREIGN KEY (tenant_id, parent_ca_id) REFERENCES cas (tenant_id, id),
    CHECK ((type = 'intermediate') = (parent_ca_id IS NOT NULL))
);
CREATE INDEX cas_tenant_list_idx ON cas (tenant_id, created_at DESC, id DESC);

-- The current CRL of each CA; a revocation only sets valid = false (constant
-- work), the next fetch rebuilds it under this row's lock.
CREATE TABLE ca_crls (
    ca_id       uuid        PRIMARY KEY REFERENCES cas (id),
    crl_number  bigint      NOT NULL DEFAULT 0,
    der         bytea,
    this_update timestamptz,
    next_update timestamptz,
    valid       boolean     NOT NULL DEFAULT false
);

CREATE TABLE certificates (
    id                 uuid        PRIMARY KEY,
    tenant_id          uuid        NOT NULL REFERENCES tenants (id),
    ca_id              uuid,
    source             text        NOT NULL CHECK (source IN ('issued', 'imported')),
    serial             text        NOT NULL CHECK (serial ~ '^[0-9a-f]+$'),
    subject            jsonb       NOT NULL,
    issuer             jsonb       NOT NULL,
    common_name        text        NOT NULL DEFAULT '',
    sans               jsonb       NOT NULL,
    dns_names          text[]      NOT NULL DEFAULT '{}',
    not_before         timestamptz NOT NULL,
    not_after          timestamptz NOT NULL,
    key_type           text        NOT NULL,
    fingerprint_sha256 text        NOT NULL,
    certificate_pem    text        NOT NULL,
    chain_pem          text        NOT NULL DEFAULT '',
    revoked_at         timestamptz,
    revocation_reason  text,
    created_at         timestamptz NOT NULL DEFAULT clock_timestamp(),
    FOREIGN KEY (tenant_id, ca_id) REFERENCES cas (tenant_id, id),
    CHECK ((source = 'issued') = (ca_id IS NOT NULL)),
    CHECK ((revoked_at IS NULL) = (revocation_reason IS NULL))
);
-- Serials are never reused within a CA.
CREATE UNIQUE INDEX certificates_ca_serial_key ON certificates (ca_id, serial) WHERE ca_id IS NOT NULL;
CREATE UNIQUE INDEX certificates_imported_fingerprint_key ON certificates (tenant_id, fingerprint_sha256)
    WHERE source = 'imported';
-- One index per list filter, each led by tenant_id.
CREATE INDEX certificates_tenant_list_idx ON certificates (tenant_id, created_at DESC, id DESC);
CREATE INDEX certificates_tenant_ca_list_idx ON certificates (tenant_id, ca_id, created_at DESC, id DESC);
CREATE INDEX certificates_tenant_not_after_idx ON certificates (tenant_id, not_after);
CREATE INDEX certificates_tenant_cn_idx ON certificates (tenant_id, common_name);
CREATE INDEX certificates_tenant_serial_idx ON certificates (tenant_id, serial);
CREATE INDEX certificates_dns_names_idx ON certificates USING gin (dns_names);
-- CRL building reads only the revoked rows of one CA.
CREATE INDEX certificates_revoked_idx ON certificates (ca_id, revoked_at) WHERE revoked_at IS NOT NULL;
