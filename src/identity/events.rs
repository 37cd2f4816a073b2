//! What every login factor shares: its audit entries, and asking the
//! household registry through the broker.

use crate::audit::{AuditLog, NewEntry, Outcome};
use crate::broker::{Broker, FetchFailure, KnowledgeCheck};
use crate::http::Problem;
use crate::ids::NationalId;

/// One identity event in the audit log, and so in the citizen's trail.
pub(super) async fn record(
    audit: &AuditLog,
    subject: &NationalId,
    event: &str,
    outcome: Outcome,
    detail: &str,
) -> Result<(), Problem> {
    audit
        .append(NewEntry {
            event: event.into(),
            actor: "identity".into(),
            subject: Some(subject.to_string()),
            dataset: None,
            purpose: "login".into(),
            outcome: outcome.as_str().into(),
            detail: detail.into(),
        })
        .await
        .map(|_| ())
        .map_err(|e| Problem::internal(&e))
}

/// The registry's yes or no; when it cannot be asked (or the asking
/// cannot be audited), a 503 the citizen can act on.
pub(super) async fn ask_registry(
    broker: &Broker,
    check: &KnowledgeCheck<'_>,
) -> Result<bool, Problem> {
    match broker.verify_knowledge(check).await {
        Ok(matches) => Ok(matches),
        Err(FetchFailure::NotAudited) => Err(Problem::service_unavailable(
            "login is not possible right now",
        )),
        Err(failure) => {
            tracing::warn!(%failure, "the household registry could not be asked");
            Err(Problem::service_unavailable(
                "the household registry cannot be reached; please try again shortly",
            ))
        }
    }
}
