-- Citizens' sessions, server-side so that any instance can serve them. The
-- cookie carries a random token; only its SHA-256 is stored, so a copy of
-- the table logs nobody in.
CREATE TABLE sessions (
    token_hash    TEXT   PRIMARY KEY,
    subject       TEXT   NOT NULL,
    level         TEXT   NOT NULL,
    level_at_ms   INTEGER NOT NULL,
    created_ms    INTEGER NOT NULL,
    last_seen_ms  INTEGER NOT NULL,
    expires_ms    INTEGER NOT NULL
);
CREATE INDEX sessions_subject ON sessions (subject);

-- Failed login attempts, per citizen and per client address, for lockout.
CREATE TABLE auth_failures (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    key    TEXT   NOT NULL,
    at_ms  INTEGER NOT NULL
);
CREATE INDEX auth_failures_key ON auth_failures (key, at_ms);
