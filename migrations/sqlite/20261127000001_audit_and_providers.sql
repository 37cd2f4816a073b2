-- The transfer audit log: append-only and hash-chained. Each entry's hash
-- covers the previous entry's hash and its own canonical bytes.
CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY,
    at_ms      INTEGER NOT NULL,
    event      TEXT    NOT NULL,
    actor      TEXT    NOT NULL,
    subject    TEXT,
    dataset    TEXT,
    purpose    TEXT    NOT NULL,
    outcome    TEXT    NOT NULL,
    detail     TEXT    NOT NULL,
    prev_hash  TEXT    NOT NULL,
    hash       TEXT    NOT NULL
);
CREATE INDEX audit_log_subject ON audit_log (subject, seq);

-- The chain's head: appenders serialise on this single row, which is what
-- keeps the chain linear when several servers write at once.
CREATE TABLE audit_head (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    seq   INTEGER NOT NULL,
    hash  TEXT    NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Where a verifiable chain starts after old entries were purged.
CREATE TABLE audit_checkpoint (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    seq           INTEGER NOT NULL,
    hash          TEXT    NOT NULL,
    purged_at_ms  INTEGER
);
INSERT INTO audit_checkpoint (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Defence in depth: the application never updates an entry, and never
-- deletes one younger than a year. Tampering has to drop these first, and
-- `navigator audit verify` still finds it.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit log entries are append-only');
END;

CREATE TRIGGER audit_log_keep_a_year BEFORE DELETE ON audit_log
WHEN OLD.at_ms > (CAST(strftime('%s', 'now') AS INTEGER) * 1000 - 365 * 86400000)
BEGIN
    SELECT RAISE(ABORT, 'audit log entries younger than 365 days cannot be deleted');
END;

-- Each reference provider's own download log.
CREATE TABLE provider_downloads (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    agency     TEXT    NOT NULL,
    at_ms      INTEGER NOT NULL,
    requester  TEXT    NOT NULL,
    subject    TEXT,
    dataset    TEXT,
    purpose    TEXT    NOT NULL,
    outcome    TEXT    NOT NULL
);
CREATE INDEX provider_downloads_agency ON provider_downloads (agency, id);

-- Token ids a provider has accepted, kept until the token expires, so that a
-- replay is refused by whichever server instance receives it.
CREATE TABLE provider_token_uses (
    agency      TEXT    NOT NULL,
    jti         TEXT    NOT NULL,
    expires_ms  INTEGER NOT NULL,
    PRIMARY KEY (agency, jti)
);
CREATE INDEX provider_token_uses_expiry ON provider_token_uses (expires_ms);
