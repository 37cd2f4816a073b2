-- Service providers: who may ask for which data, how they authenticate
-- (a public JWK for private_key_jwt) and the key their packages are
-- encrypted to. `state` is pending, active or suspended.
CREATE TABLE service_providers (
    id              TEXT     PRIMARY KEY,
    registration    TEXT     NOT NULL,
    state           TEXT     NOT NULL,
    created_ms      BIGINT  NOT NULL,
    updated_ms      BIGINT  NOT NULL
);

-- An authorization request from `/oauth/authorize` while the citizen
-- consents; `stage` moves pending → downloaded → sent (or denied).
CREATE TABLE authorization_requests (
    id              TEXT     PRIMARY KEY,
    client_id       TEXT     NOT NULL,
    redirect_uri    TEXT     NOT NULL,
    scope           TEXT     NOT NULL,
    state           TEXT,
    code_challenge  TEXT     NOT NULL,
    subject         TEXT,
    stage           TEXT     NOT NULL,
    package_id      TEXT,
    created_ms      BIGINT  NOT NULL,
    expires_ms      BIGINT  NOT NULL
);

-- Records fetched into the citizen's personal cloud, sealed (AES-256-GCM
-- under a per-package key, itself sealed under the master key).
CREATE TABLE cloud_packages (
    id              TEXT     PRIMARY KEY,
    subject         TEXT     NOT NULL,
    sealed          TEXT     NOT NULL,
    sensitive       BOOLEAN  NOT NULL,
    created_ms      BIGINT  NOT NULL,
    expires_ms      BIGINT  NOT NULL
);
CREATE INDEX cloud_packages_expiry ON cloud_packages (expires_ms);

-- What the citizen agreed to send to whom, with its signed receipt.
CREATE TABLE consents (
    id              TEXT     PRIMARY KEY,
    subject         TEXT     NOT NULL,
    client_id       TEXT     NOT NULL,
    scope           TEXT     NOT NULL,
    receipt         TEXT     NOT NULL,
    standing        BOOLEAN  NOT NULL,
    created_ms      BIGINT  NOT NULL,
    expires_ms      BIGINT  NOT NULL,
    revoked_ms      BIGINT
);
CREATE INDEX consents_subject ON consents (subject);

-- Codes and tokens are stored as SHA-256 digests only.
CREATE TABLE authorization_codes (
    code_hash       TEXT     PRIMARY KEY,
    request_id      TEXT     NOT NULL,
    consent_id      TEXT     NOT NULL,
    expires_ms      BIGINT  NOT NULL
);

CREATE TABLE access_tokens (
    token_hash      TEXT     PRIMARY KEY,
    consent_id      TEXT     NOT NULL,
    client_id       TEXT     NOT NULL,
    package_id      TEXT     NOT NULL,
    expires_ms      BIGINT  NOT NULL,
    used_ms         BIGINT
);
