-- Counter-service tickets: the barcode carries the ticket id, the citizen
-- tells the clerk a six-digit code. Both are stored as digests only; a
-- ticket is redeemed once.
CREATE TABLE counter_tickets (
    ticket_hash  TEXT     PRIMARY KEY,
    code_hash    TEXT     NOT NULL,
    subject      TEXT     NOT NULL,
    client_id    TEXT     NOT NULL,
    consent_id   TEXT     NOT NULL,
    package_id   TEXT     NOT NULL,
    created_ms   INTEGER  NOT NULL,
    expires_ms   INTEGER  NOT NULL,
    used_ms      INTEGER
);
