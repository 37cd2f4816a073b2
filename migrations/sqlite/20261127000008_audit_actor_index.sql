-- A service provider's transfer log is the audit entries it is the actor of.
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
