-- Authenticator-app (TOTP, RFC 6238) credentials, one per citizen. The last
-- accepted time step is kept so that a code is accepted once only.
CREATE TABLE totp_credentials (
    subject     TEXT    PRIMARY KEY,
    secret      TEXT    NOT NULL,
    confirmed   BOOLEAN NOT NULL,
    last_step   INTEGER  NOT NULL,
    created_ms  INTEGER  NOT NULL
);
