//! Passkeys (FIDO2 / WebAuthn) as a second factor, to level `substantial`,
//! with `webauthn-rs`. Both ceremonies need a logged-in citizen, and their
//! state lives in the database between the two calls.
//!
//! - `POST /api/identity/passkey/register/start` → `{ceremony_id, options}`
//!   (`options` is what `navigator.credentials.create` takes). Registering
//!   needs a session at `substantial` or above ([`super::enrolment`]); a
//!   further passkey is added beside those registered, never in their
//!   place.
//! - `POST /api/identity/passkey/register/finish` `{ceremony_id,
//!   credential}` → 201: the passkey is registered.
//! - `POST /api/identity/passkey/login/start` → `{ceremony_id, options}`.
//! - `POST /api/identity/passkey/login/finish` `{ceremony_id, credential}`
//!   → the session, now `substantial`. A wrong origin, a bad signature or a
//!   signature counter that did not move forward is refused and counts
//!   towards the lockout.
//!
//! Hardware attestation is not requested, so a passkey never reaches `high`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use webauthn_rs::prelude::{
    CreationChallengeResponse, Passkey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, RequestChallengeResponse, Uuid,
};

use super::enrolment;
use super::http::{IdentityApi, session_reply};
use super::lockout;
use super::session::{CitizenSession, Session};
use crate::audit::Outcome;
use crate::clock;
use crate::http::{ClientAddress, Json, Problem};
use crate::store::{ChallengeRow, PasskeyRow};

const REGISTER: &str = "passkey.register";
const LOGIN: &str = "passkey.login";
const CEREMONY_TTL_MS: i64 = 5 * 60 * 1000;

#[derive(Serialize)]
pub(super) struct Ceremony<T> {
    ceremony_id: String,
    options: T,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Finish<T> {
    ceremony_id: String,
    credential: T,
}

/// A started ceremony as documented: WebAuthn's options are webauthn-rs's
/// types, shown as objects.
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
struct CeremonyStarted {
    ceremony_id: String,
    /// `PublicKeyCredentialCreationOptions` or `…RequestOptions` (WebAuthn).
    options: serde_json::Value,
}

/// The browser's answer to a ceremony, as documented.
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
struct CeremonyFinish {
    ceremony_id: String,
    /// The `PublicKeyCredential` the authenticator made (WebAuthn JSON).
    credential: serde_json::Value,
}

fn credential_key(id: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(id)
}

async fn registered(
    api: &IdentityApi,
    session: &Session,
) -> Result<Vec<(PasskeyRow, Passkey)>, Problem> {
    let rows = api
        .sessions
        .store
        .passkeys_of(session.subject.as_str())
        .await
        .map_err(|e| Problem::internal(&e))?;
    rows.into_iter()
        .map(|row| {
            let passkey: Passkey =
                serde_json::from_str(&row.passkey).map_err(|e| Problem::internal(&e))?;
            Ok((row, passkey))
        })
        .collect()
}

async fn begin<T: Serialize>(
    api: &IdentityApi,
    session: &Session,
    kind: &str,
    state: &T,
) -> Result<String, Problem> {
    let now = clock::now_ms();
    let row = ChallengeRow {
        id: Uuid::new_v4().to_string(),
        kind: kind.into(),
        subject: Some(session.subject.to_string()),
        state: serde_json::to_string(state).map_err(|e| Problem::internal(&e))?,
        expires_ms: now + CEREMONY_TTL_MS,
    };
    api.sessions
        .store
        .challenge_put(&row, now)
        .await
        .map_err(|e| Problem::internal(&e))?;
    Ok(row.id)
}

/// The ceremony's saved state, once, and only for the citizen who began it.
async fn resume<T: serde::de::DeserializeOwned>(
    api: &IdentityApi,
    session: &Session,
    kind: &str,
    ceremony_id: &str,
) -> Result<Option<T>, Problem> {
    let taken = api
        .sessions
        .store
        .challenge_take(ceremony_id.trim(), kind)
        .await
        .map_err(|e| Problem::internal(&e))?;
    let Some(row) = taken.filter(|row| {
        row.expires_ms > clock::now_ms() && row.subject.as_deref() == Some(session.subject.as_str())
    }) else {
        return Ok(None);
    };
    serde_json::from_str(&row.state)
        .map(Some)
        .map_err(|e| Problem::internal(&e))
}

const STALE: &str = "this ceremony has expired or was already finished; start again";

/// Starts registering a passkey for the logged-in citizen.
#[utoipa::path(post, path = "/api/identity/passkey/register/start", tag = "identity",
    security(("session_cookie" = [])),
    responses(
        (status = 201, description = "The ceremony and WebAuthn's creation options", body = CeremonyStarted),
        (status = 401, description = "No session, or it has ended"),
        (status = 403, description = "The session is below `substantial`: a `/problems/step-up-required` problem names the factors that reach it"),
    ))]
pub(super) async fn register_start(
    State(api): State<IdentityApi>,
    CitizenSession(session): CitizenSession,
) -> Result<(StatusCode, axum::Json<Ceremony<CreationChallengeResponse>>), Problem> {
    enrolment::require(
        &api,
        &session,
        "passkey",
        "POST /api/identity/passkey/register/start",
    )
    .await?;
    let exclude = registered(&api, &session)
        .await?
        .into_iter()
        .map(|(_, passkey)| passkey.cred_id().clone())
        .collect();
    let label = session.subject.masked();
    let (options, state) = api
        .webauthn
        .start_passkey_registration(Uuid::new_v4(), &label, &label, Some(exclude))
        .map_err(|e| Problem::internal(&e))?;
    let ceremony_id = begin(&api, &session, REGISTER, &state).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(Ceremony {
            ceremony_id,
            options,
        }),
    ))
}

/// Finishes registering a passkey.
#[utoipa::path(post, path = "/api/identity/passkey/register/finish", tag = "identity",
    security(("session_cookie" = [])),
    request_body = CeremonyFinish,
    responses(
        (status = 201, description = "The passkey is registered"),
        (status = 400, description = "The credential does not verify"),
        (status = 401, description = "No session, or it has ended"),
        (status = 403, description = "The session is below `substantial`: a `/problems/step-up-required` problem"),
        (status = 409, description = "The ceremony expired or was finished already"),
        (status = 422, description = "A field is missing or not a credential"),
    ))]
pub(super) async fn register_finish(
    State(api): State<IdentityApi>,
    CitizenSession(session): CitizenSession,
    Json(body): Json<Finish<RegisterPublicKeyCredential>>,
) -> Result<Response, Problem> {
    // Checked again: the level is what binds, not having started once.
    enrolment::require(
        &api,
        &session,
        "passkey",
        "POST /api/identity/passkey/register/start",
    )
    .await?;
    let Some(state) =
        resume::<PasskeyRegistration>(&api, &session, REGISTER, &body.ceremony_id).await?
    else {
        return Err(Problem::new(StatusCode::CONFLICT, STALE));
    };
    let passkey = match api
        .webauthn
        .finish_passkey_registration(&body.credential, &state)
    {
        Ok(passkey) => passkey,
        Err(error) => {
            record(
                &api,
                &session,
                "identity.passkey.register",
                Outcome::Failure,
                &format!("{error:?}"),
            )
            .await?;
            return Err(Problem::bad_request(
                "the new passkey could not be verified",
            ));
        }
    };
    let already = registered(&api, &session).await?.len();
    let now = clock::now_ms();
    let row = PasskeyRow {
        credential_id: credential_key(passkey.cred_id()),
        subject: session.subject.to_string(),
        passkey: serde_json::to_string(&passkey).map_err(|e| Problem::internal(&e))?,
        counter: 0,
        created_ms: now,
        last_used_ms: None,
    };
    let inserted = api
        .sessions
        .store
        .passkey_insert(&row)
        .await
        .map_err(|e| Problem::internal(&e))?;
    if !inserted {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "this passkey is registered already",
        ));
    }
    let detail = format!(
        "passkey registered at level {}; {} registered before",
        session.level, already
    );
    record(
        &api,
        &session,
        "identity.passkey.register",
        Outcome::Success,
        &detail,
    )
    .await?;
    Ok(StatusCode::CREATED.into_response())
}

/// Starts a passkey login (a step-up of the current session).
#[utoipa::path(post, path = "/api/identity/passkey/login/start", tag = "identity",
    security(("session_cookie" = [])),
    responses(
        (status = 201, description = "The ceremony and WebAuthn's request options", body = CeremonyStarted),
        (status = 401, description = "No session, or it has ended"),
        (status = 409, description = "No passkey registered"),
    ))]
pub(super) async fn login_start(
    State(api): State<IdentityApi>,
    CitizenSession(session): CitizenSession,
) -> Result<(StatusCode, axum::Json<Ceremony<RequestChallengeResponse>>), Problem> {
    let passkeys: Vec<Passkey> = registered(&api, &session)
        .await?
        .into_iter()
        .map(|(_, passkey)| passkey)
        .collect();
    if passkeys.is_empty() {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "register a passkey first",
        ));
    }
    let (options, state) = api
        .webauthn
        .start_passkey_authentication(&passkeys)
        .map_err(|e| Problem::internal(&e))?;
    let ceremony_id = begin(&api, &session, LOGIN, &state).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(Ceremony {
            ceremony_id,
            options,
        }),
    ))
}

/// Finishes a passkey login: the session rises to `substantial`.
#[utoipa::path(post, path = "/api/identity/passkey/login/finish", tag = "identity",
    security(("session_cookie" = [])),
    request_body = CeremonyFinish,
    responses(
        (status = 200, description = "The raised session; a new cookie", body = super::http::SessionView),
        (status = 401, description = "No session, or the assertion does not verify"),
        (status = 409, description = "The ceremony expired or was finished already"),
        (status = 422, description = "A field is missing or not a credential"),
        (status = 429, description = "Too many failures: locked out for a while"),
    ))]
pub(super) async fn login_finish(
    State(api): State<IdentityApi>,
    ClientAddress(address): ClientAddress,
    CitizenSession(mut session): CitizenSession,
    Json(body): Json<Finish<PublicKeyCredential>>,
) -> Result<Response, Problem> {
    let store = api.sessions.store.as_ref();
    let Some(state) =
        resume::<PasskeyAuthentication>(&api, &session, LOGIN, &body.ceremony_id).await?
    else {
        return Err(Problem::new(StatusCode::CONFLICT, STALE));
    };
    // Reserved before the assertion is checked: parallel tries queue here.
    let attempt = lockout::admit(
        store,
        &api.audit,
        lockout::Factor::Passkey,
        &session.subject,
        address,
    )
    .await?;
    match check_assertion(&api, &session, &body.credential, &state).await {
        Ok(Ok(())) => attempt.succeeded(store).await?,
        Ok(Err(detail)) => {
            attempt.failed();
            record(
                &api,
                &session,
                "identity.passkey",
                Outcome::Failure,
                &detail,
            )
            .await?;
            return Err(Problem::unauthorized(
                "the passkey's answer was not accepted",
            ));
        }
        Err(unchecked) => {
            attempt.unchecked(store).await?;
            return Err(unchecked);
        }
    }
    let token = api
        .sessions
        .raise(&mut session, crate::ids::Level::Substantial)
        .await?;
    record(
        &api,
        &session,
        "identity.passkey",
        Outcome::Success,
        "level substantial",
    )
    .await?;
    Ok(session_reply(&api.sessions, &session, token.as_deref()))
}

/// Whether the assertion verifies for one of the citizen's passkeys (and
/// moves its signature counter forward): `Ok(Err(why))` when it does not,
/// `Err` when it could not be checked at all.
async fn check_assertion(
    api: &IdentityApi,
    session: &Session,
    credential: &PublicKeyCredential,
    state: &PasskeyAuthentication,
) -> Result<Result<(), String>, Problem> {
    let result = match api
        .webauthn
        .finish_passkey_authentication(credential, state)
    {
        Ok(result) => result,
        Err(error) => return Ok(Err(format!("{error:?}"))),
    };
    let used = credential_key(result.cred_id());
    let Some((row, mut passkey)) = registered(api, session)
        .await?
        .into_iter()
        .find(|(row, _)| row.credential_id == used)
    else {
        return Ok(Err("the passkey was removed".into()));
    };
    passkey.update_credential(&result);
    let saved = serde_json::to_string(&passkey).map_err(|e| Problem::internal(&e))?;
    let advanced = api
        .sessions
        .store
        .passkey_advance(
            &row.credential_id,
            &saved,
            row.counter,
            i64::from(result.counter()),
            clock::now_ms(),
        )
        .await
        .map_err(|e| Problem::internal(&e))?;
    if !advanced {
        return Ok(Err("the signature counter moved concurrently".into()));
    }
    Ok(Ok(()))
}

async fn record(
    api: &IdentityApi,
    session: &Session,
    event: &str,
    outcome: Outcome,
    detail: &str,
) -> Result<(), Problem> {
    super::events::record(&api.audit, &session.subject, event, outcome, detail).await
}
