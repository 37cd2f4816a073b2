-- Attempt budgets: one row per key (a citizen's login factor, a client
-- address, a counter ticket, a rate limit) counting the attempts reserved
-- in its current fixed window. An attempt is reserved by one conditional
-- upsert *before* anything is checked, so parallel guesses can no longer
-- all pass a count taken first, as they could with one row per failure.
CREATE TABLE attempt_windows (
    key         TEXT    PRIMARY KEY,
    started_ms  INTEGER  NOT NULL,
    used        INTEGER  NOT NULL
);
CREATE INDEX attempt_windows_started ON attempt_windows (started_ms);

DROP TABLE auth_failures;
