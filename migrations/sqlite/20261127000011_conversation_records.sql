-- The citizen a conversation belongs to once they have consented: from
-- then on only their session opens it.
ALTER TABLE conversations ADD COLUMN subject TEXT;

-- Records the citizen consented to send to the assistant for one
-- conversation, each sealed under the server's key. They go with the
-- conversation (deleted by the citizen, or expired after 24 hours).
CREATE TABLE conversation_records (
    conversation_id  TEXT    NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    dataset          TEXT    NOT NULL,
    agency           TEXT    NOT NULL,
    fetched_at       TEXT    NOT NULL,
    consent_id       TEXT    NOT NULL,
    sealed           TEXT    NOT NULL,
    received_ms      INTEGER  NOT NULL,
    PRIMARY KEY (conversation_id, dataset)
);
