-- A citizen's delegated consent to the social worker of one of their
-- cases: which records, until when (the platform's consent says), and
-- the standing consent's refresh token, sealed, with which each look at
-- the records is a new transfer in the citizen's trail. A new grant
-- replaces the old; the row goes with the case.
CREATE TABLE case_delegations (
    case_id     TEXT     PRIMARY KEY REFERENCES cases (id) ON DELETE CASCADE,
    staff       TEXT     NOT NULL,
    subject     TEXT     NOT NULL,
    consent_id  TEXT     NOT NULL,
    datasets    TEXT     NOT NULL,
    refresh     TEXT,
    records     TEXT     NOT NULL,
    granted_ms  INTEGER  NOT NULL
);
