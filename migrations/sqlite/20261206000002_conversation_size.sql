-- The bytes of questions and replies a conversation keeps, so that its
-- size is capped without summing its turns on every message.
ALTER TABLE conversations ADD COLUMN stored_bytes INTEGER NOT NULL DEFAULT 0;
