-- The transfer audit log: append-only and hash-chained. Each entry's hash
-- covers the previous entry's hash and its own canonical bytes.
CREATE TABLE audit_log (
    seq        BIGINT PRIMARY KEY,
    at_ms      BIGINT NOT NULL,
    event      TEXT   NOT NULL,
    actor      TEXT   NOT NULL,
    subject    TEXT,
    dataset    TEXT,
    purpose    TEXT   NOT NULL,
    outcome    TEXT   NOT NULL,
    detail     TEXT   NOT NULL,
    prev_hash  TEXT   NOT NULL,
    hash       TEXT   NOT NULL
);
CREATE INDEX audit_log_subject ON audit_log (subject, seq);

-- The chain's head: appenders serialise on this single row, which is what
-- keeps the chain linear when several servers write at once.
CREATE TABLE audit_head (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    seq   BIGINT NOT NULL,
    hash  TEXT   NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Where a verifiable chain starts after old entries were purged.
CREATE TABLE audit_checkpoint (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    seq           BIGINT NOT NULL,
    hash          TEXT   NOT NULL,
    purged_at_ms  BIGINT
);
INSERT INTO audit_checkpoint (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Defence in depth: the application never updates an entry, and never
-- deletes one younger than a year. Tampering has to drop these first, and
-- `navigator audit verify` still finds it.
CREATE FUNCTION audit_log_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'audit log entries are append-only';
    END IF;
    IF OLD.at_ms > (EXTRACT(EPOCH FROM now()) * 1000)::BIGINT - 365 * 86400000::BIGINT THEN
        RAISE EXCEPTION 'audit log entries younger than 365 days cannot be deleted';
    END IF;
    RETURN OLD;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_log_guard BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_guard();

-- Each reference provider's own download log.
CREATE TABLE provider_downloads (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency     TEXT   NOT NULL,
    at_ms      BIGINT NOT NULL,
    requester  TEXT   NOT NULL,
    subject    TEXT,
    dataset    TEXT,
    purpose    TEXT   NOT NULL,
    outcome    TEXT   NOT NULL
);
CREATE INDEX provider_downloads_agency ON provider_downloads (agency, id);

-- Token ids a provider has accepted, kept until the token expires, so that a
-- replay is refused by whichever server instance receives it.
CREATE TABLE provider_token_uses (
    agency      TEXT   NOT NULL,
    jti         TEXT   NOT NULL,
    expires_ms  BIGINT NOT NULL,
    PRIMARY KEY (agency, jti)
);
CREATE INDEX provider_token_uses_expiry ON provider_token_uses (expires_ms);
