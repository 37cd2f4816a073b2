-- Conversations with the assistant. The id is an unguessable capability
-- (asking needs no login); a conversation and its turns are deleted when
-- the citizen says so or when it expires.
CREATE TABLE conversations (
    id          TEXT     PRIMARY KEY,
    language    TEXT     NOT NULL,
    created_ms  BIGINT   NOT NULL,
    updated_ms  BIGINT   NOT NULL,
    expires_ms  BIGINT   NOT NULL,
    turns       BIGINT   NOT NULL DEFAULT 0
);

CREATE INDEX conversations_expiry ON conversations (expires_ms);

-- One question and the reply to it; `reply` is the reply as JSON.
CREATE TABLE conversation_turns (
    conversation_id  TEXT    NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    turn             BIGINT  NOT NULL,
    question         TEXT    NOT NULL,
    reply            TEXT    NOT NULL,
    at_ms            BIGINT  NOT NULL,
    PRIMARY KEY (conversation_id, turn)
);
