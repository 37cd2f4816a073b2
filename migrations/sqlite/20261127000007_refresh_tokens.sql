-- A standing consent's refresh token (its digest), rotated at each use.
ALTER TABLE consents ADD COLUMN refresh_hash TEXT;
