-- Social-welfare staff and their cases. A staff member signs in as the
-- citizen they are (the platform's own identity service); this table says
-- which citizens are staff, in which role, team and agency.
CREATE TABLE staff (
    id           TEXT     PRIMARY KEY,
    national_id  TEXT     NOT NULL UNIQUE,
    name         TEXT     NOT NULL,
    role         TEXT     NOT NULL
                 CHECK (role IN ('social_worker', 'supervisor', 'agency_admin', 'operator')),
    team         TEXT,
    agency       TEXT,
    active       BOOLEAN  NOT NULL DEFAULT TRUE,
    created_ms   INTEGER  NOT NULL
);

-- A case a social worker opened for a citizen (`subject`, a national ID).
-- `team` is the worker's team when the case was opened, so the team's
-- supervisor keeps seeing it; `signals` is the triage signals as JSON.
CREATE TABLE cases (
    id          TEXT     PRIMARY KEY,
    subject     TEXT     NOT NULL,
    worker      TEXT     NOT NULL REFERENCES staff (id),
    team        TEXT     NOT NULL,
    summary     TEXT     NOT NULL,
    status      TEXT     NOT NULL CHECK (status IN ('open', 'closed')),
    opened_ms   INTEGER  NOT NULL,
    updated_ms  INTEGER  NOT NULL,
    signals     TEXT     NOT NULL
);

-- The two queues: a worker's open cases, and a team's.
CREATE INDEX cases_worker_queue ON cases (worker, status);
CREATE INDEX cases_team_queue ON cases (team, status);

CREATE TABLE case_notes (
    id       TEXT     PRIMARY KEY,
    case_id  TEXT     NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    author   TEXT     NOT NULL,
    text     TEXT     NOT NULL,
    at_ms    INTEGER  NOT NULL
);

CREATE INDEX case_notes_by_case ON case_notes (case_id, at_ms);

-- A referral of a case to a catalogue service; its status only moves
-- forward: referred, then accepted, then done.
CREATE TABLE case_referrals (
    id          TEXT     PRIMARY KEY,
    case_id     TEXT     NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    service_id  TEXT     NOT NULL,
    status      TEXT     NOT NULL CHECK (status IN ('referred', 'accepted', 'done')),
    note        TEXT,
    created_ms  INTEGER  NOT NULL,
    updated_ms  INTEGER  NOT NULL,
    updated_by  TEXT     NOT NULL
);

CREATE INDEX case_referrals_by_case ON case_referrals (case_id, created_ms);
