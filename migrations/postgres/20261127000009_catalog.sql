-- The service catalogue as agencies maintain it (seeded from
-- datasets/catalog/ when empty); `service` is the service as JSON.
CREATE TABLE catalog_services (
    id          TEXT     PRIMARY KEY,
    agency      TEXT     NOT NULL,
    service     TEXT     NOT NULL,
    updated_ms  BIGINT  NOT NULL
);

-- Agencies' API credentials, as SHA-256 digests.
CREATE TABLE agency_credentials (
    agency      TEXT     PRIMARY KEY,
    token_hash  TEXT     NOT NULL UNIQUE,
    created_ms  BIGINT  NOT NULL
);
