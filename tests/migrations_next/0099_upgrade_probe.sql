-- compatible-with: previous
-- The "next release" of the rolling-upgrade test (linked into tenantca_next
-- only): an expand step older binaries do not use, so they keep serving.
CREATE TABLE upgrade_probe (
    id         integer     PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now()
);
