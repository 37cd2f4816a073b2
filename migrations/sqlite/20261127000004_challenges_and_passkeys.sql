-- One-time challenges of identity ceremonies (a citizen-card signature, a
-- passkey registration or assertion). A row is taken, not read: deleting it
-- is what makes a challenge single-use across every server.
CREATE TABLE identity_challenges (
    id          TEXT     PRIMARY KEY,
    kind        TEXT     NOT NULL,
    subject     TEXT,
    state       TEXT     NOT NULL,
    expires_ms  INTEGER  NOT NULL
);
CREATE INDEX identity_challenges_expiry ON identity_challenges (expires_ms);

-- WebAuthn credentials. `counter` mirrors the signature counter inside
-- `passkey` so that a conditional update can refuse a counter that went
-- backwards even when two servers finish assertions at once.
CREATE TABLE passkeys (
    credential_id  TEXT     PRIMARY KEY,
    subject        TEXT     NOT NULL,
    passkey        TEXT     NOT NULL,
    counter        INTEGER  NOT NULL,
    created_ms     INTEGER  NOT NULL,
    last_used_ms   INTEGER
);
CREATE INDEX passkeys_subject ON passkeys (subject);
