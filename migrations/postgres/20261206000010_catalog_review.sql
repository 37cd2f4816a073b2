-- Catalogue changes waiting for an operator's review (issue 17): a new
-- service, or a risky change to a published one, which keeps serving
-- meanwhile. `service` is the proposed service as JSON, `reasons` a JSON
-- list of why it waits.
CREATE TABLE catalog_proposals (
    id            TEXT     PRIMARY KEY,
    agency        TEXT     NOT NULL,
    service       TEXT     NOT NULL,
    reasons       TEXT     NOT NULL,
    submitted_ms  BIGINT  NOT NULL
);

-- What kind of provider an agency is (public, ngo, private), as the
-- operator stated it when issuing the token; NULL for tokens issued
-- before: then the curated catalogue's kind, or private.
ALTER TABLE agency_credentials ADD COLUMN provider_type TEXT;
