//! Who may bind a new authenticator. Binding one is as strong as the level
//! it grants: a session that may bind a new authenticator app or passkey
//! must already stand at that level (`substantial`), proved by an
//! authenticator bound before or by the citizen card (`high`). Otherwise
//! knowledge factors alone, which others may know, would buy a second
//! factor and with it `substantial`. A citizen's first authenticator is
//! therefore bound after a card login.
//!
//! A refusal is a 403 problem of type [`super::STEP_UP`]: it names the
//! factors this citizen can actually prove (the kinds they have bound,
//! and the card), changes nothing, and is in the citizen's audit trail.

use axum::http::StatusCode;

use super::http::IdentityApi;
use super::records::step_up;
use super::session::Session;
use crate::audit::Outcome;
use crate::http::Problem;
use crate::ids::Level;

/// The level binding a new authenticator needs: the level it grants.
pub(super) const LEVEL: Level = Level::Substantial;

/// Ok when `session` may bind a new authenticator of kind `what`
/// ("totp", "passkey"); else the audited 403 a page can act on.
pub(super) async fn require(
    api: &IdentityApi,
    session: &Session,
    what: &str,
    retry: &str,
) -> Result<(), Problem> {
    if session.level >= LEVEL {
        return Ok(());
    }
    let factors = available_factors(api, session).await?;
    super::events::record(
        &api.audit,
        &session.subject,
        &format!("identity.{what}.enroll"),
        Outcome::Failure,
        &format!(
            "refused at level {}: binding an authenticator needs level {LEVEL}",
            session.level
        ),
    )
    .await?;
    let mut problem = step_up(session.level, LEVEL, retry).with("factors", factors);
    problem.status = StatusCode::FORBIDDEN;
    problem.detail = Some(format!(
        "setting up an authenticator app or a passkey needs level {LEVEL}; you are logged \
         in at level {}. Log in with your citizen card first (or with an authenticator \
         you have already set up), then set it up",
        session.level
    ));
    Err(problem)
}

/// The factors that reach [`LEVEL`] for this citizen: the authenticators
/// already bound, and the citizen card.
async fn available_factors(
    api: &IdentityApi,
    session: &Session,
) -> Result<Vec<&'static str>, Problem> {
    let store = api.sessions.store.as_ref();
    let subject = session.subject.as_str();
    let mut factors = Vec::new();
    let totp = store
        .totp_get(subject)
        .await
        .map_err(|e| Problem::internal(&e))?;
    if totp.is_some_and(|row| row.confirmed) {
        factors.push("totp");
    }
    let passkeys = store
        .passkeys_of(subject)
        .await
        .map_err(|e| Problem::internal(&e))?;
    if !passkeys.is_empty() {
        factors.push("passkey");
    }
    factors.push("citizen_card");
    Ok(factors)
}
