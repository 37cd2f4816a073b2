//! Authenticator-app codes (TOTP, RFC 6238) for level `substantial`.
//!
//! - `POST /api/identity/totp/enroll` (a session at `substantial` or
//!   above, see [`super::enrolment`]): a new secret, its `otpauth://` URL
//!   and a QR code as SVG. A confirmed authenticator is never replaced:
//!   enrolling again is refused (409) and the refusal audited.
//! - `POST /api/identity/totp/verify` `{"code"}`: a current code. For an
//!   enrolment not yet confirmed it confirms it, which needs the same level
//!   as enrolling; for a confirmed one it is a login step raising the
//!   session to `substantial` (never lowering a `high` one). A code is
//!   accepted once; failures count towards the login lockout.
//!
//! The secret is stored sealed under the server's credential key.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use totp_rs::{Algorithm, Secret, TOTP};

use super::enrolment;
use super::events::record;
use super::http::{IdentityApi, session_reply};
use super::lockout;
use super::session::{CitizenSession, Session};
use crate::audit::Outcome;
use crate::clock;
use crate::http::{ClientAddress, Json, Problem};
use crate::ids::{Level, NationalId};
use crate::secrets::same_secret;

const STEP_SECONDS: u64 = 30;
const ISSUER: &str = "MyData Navigator";

fn totp_for(secret_base32: &str, subject: &NationalId) -> Result<TOTP, Problem> {
    let bytes = Secret::Encoded(secret_base32.to_owned())
        .to_bytes()
        .map_err(|e| Problem::internal(&format!("{e:?}")))?;
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        STEP_SECONDS,
        bytes,
        Some(ISSUER.to_owned()),
        subject.masked(),
    )
    .map_err(|e| Problem::internal(&e))
}

#[derive(Serialize, utoipa::ToSchema)]
pub(super) struct Enrolment {
    secret: String,
    otpauth_url: String,
    qr_svg: String,
}

/// Starts setting up an authenticator app: its secret, as a URL and a QR code.
#[utoipa::path(post, path = "/api/identity/totp/enroll", tag = "identity",
    security(("session_cookie" = [])),
    responses(
        (status = 200, description = "The new secret, to confirm with a code", body = Enrolment),
        (status = 401, description = "No session, or it has ended"),
        (status = 403, description = "The session is below `substantial`: a `/problems/step-up-required` problem names the factors that reach it"),
        (status = 409, description = "An authenticator is set up already; it is kept"),
    ))]
pub(super) async fn enroll(
    State(api): State<IdentityApi>,
    CitizenSession(session): CitizenSession,
) -> Result<axum::Json<Enrolment>, Problem> {
    enrolment::require(&api, &session, "totp", "POST /api/identity/totp/enroll").await?;
    let store = api.sessions.store.as_ref();
    let subject = session.subject.as_str();
    let existing = store
        .totp_get(subject)
        .await
        .map_err(|e| Problem::internal(&e))?;
    if existing.is_some_and(|row| row.confirmed) {
        return Err(already_bound(&api, &session).await?);
    }
    let secret = Secret::Raw(rand::random::<[u8; 20]>().to_vec())
        .to_encoded()
        .to_string();
    let totp = totp_for(&secret, &session.subject)?;
    let otpauth_url = totp.get_url();
    let qr_svg = qrcode::QrCode::new(otpauth_url.as_bytes())
        .map_err(|e| Problem::internal(&e))?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .build();
    let sealed = api
        .credential_key
        .seal(subject, secret.as_bytes())
        .map_err(|e| Problem::internal(&e))?;
    let row = crate::store::TotpRow {
        subject: subject.to_owned(),
        secret: sealed,
        confirmed: false,
        last_step: 0,
        created_ms: clock::now_ms(),
    };
    let written = store
        .totp_put(&row)
        .await
        .map_err(|e| Problem::internal(&e))?;
    if !written {
        // Confirmed between the read above and this write.
        return Err(already_bound(&api, &session).await?);
    }
    record(
        &api.audit,
        &session.subject,
        "identity.totp.enroll",
        Outcome::Success,
        "enrolment started",
    )
    .await?;
    Ok(axum::Json(Enrolment {
        secret,
        otpauth_url,
        qr_svg,
    }))
}

/// The refusal to replace a confirmed authenticator, audited: whoever asks
/// learns nothing new, and the citizen sees the attempt in their trail.
async fn already_bound(api: &IdentityApi, session: &Session) -> Result<Problem, Problem> {
    record(
        &api.audit,
        &session.subject,
        "identity.totp.enroll",
        Outcome::Failure,
        "refused: an authenticator app is already set up; it is kept",
    )
    .await?;
    Ok(Problem::new(
        StatusCode::CONFLICT,
        "an authenticator is already set up for you",
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Code {
    /// The authenticator's six digits.
    #[schema(example = "123456")]
    code: String,
}

/// A code from the authenticator: confirms an enrolment (at `substantial`
/// or above), or raises the session to `substantial`.
#[utoipa::path(post, path = "/api/identity/totp/verify", tag = "identity",
    security(("session_cookie" = [])),
    request_body = Code,
    responses(
        (status = 200, description = "The raised session; a new cookie", body = super::http::SessionView),
        (status = 401, description = "No session, or a wrong code"),
        (status = 403, description = "Confirming an enrolment from a session below `substantial`: a `/problems/step-up-required` problem"),
        (status = 409, description = "No authenticator set up"),
        (status = 429, description = "Too many failures: locked out for a while"),
    ))]
pub(super) async fn verify(
    State(api): State<IdentityApi>,
    ClientAddress(address): ClientAddress,
    CitizenSession(mut session): CitizenSession,
    Json(body): Json<Code>,
) -> Result<Response, Problem> {
    let store = api.sessions.store.as_ref();
    let Some(row) = store
        .totp_get(session.subject.as_str())
        .await
        .map_err(|e| Problem::internal(&e))?
    else {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "set up an authenticator first",
        ));
    };
    if !row.confirmed {
        // Confirming binds the authenticator: the same level as enrolling.
        enrolment::require(&api, &session, "totp", "POST /api/identity/totp/verify").await?;
    }
    let secret = api
        .credential_key
        .open(session.subject.as_str(), &row.secret)
        .map_err(|e| Problem::internal(&e))?;
    let secret = String::from_utf8(secret).map_err(|e| Problem::internal(&e))?;
    let totp = totp_for(&secret, &session.subject)?;
    // Reserved before the code is compared: parallel guesses queue here.
    let attempt = lockout::admit(
        store,
        &api.audit,
        lockout::Factor::Totp,
        &session.subject,
        address,
    )
    .await?;
    let now = u64::try_from(clock::now_ms() / 1000).unwrap_or(0);
    let current = now / STEP_SECONDS;
    // One step of clock drift either way, as RFC 6238 recommends.
    let matched = [current.saturating_sub(1), current, current + 1]
        .into_iter()
        .find(|step| same_secret(&totp.generate(step * STEP_SECONDS), body.code.trim()));
    let accepted = match matched {
        Some(step) => {
            let step = i64::try_from(step).unwrap_or(i64::MAX);
            match store.totp_use_step(session.subject.as_str(), step).await {
                Ok(accepted) => accepted,
                Err(e) => {
                    attempt.unchecked(store).await?;
                    return Err(Problem::internal(&e));
                }
            }
        }
        None => false,
    };
    if !accepted {
        attempt.failed();
        record(
            &api.audit,
            &session.subject,
            "identity.totp",
            Outcome::Failure,
            "code refused",
        )
        .await?;
        return Err(Problem::unauthorized(
            "that code is not valid, or was already used",
        ));
    }
    if !row.confirmed {
        record(
            &api.audit,
            &session.subject,
            "identity.totp.bound",
            Outcome::Success,
            &format!("authenticator app set up at level {}", session.level),
        )
        .await?;
    }
    attempt.succeeded(store).await?;
    // Raises to `substantial` at most: a `high` session stays `high`.
    let token = api.sessions.raise(&mut session, Level::Substantial).await?;
    record(
        &api.audit,
        &session.subject,
        "identity.totp",
        Outcome::Success,
        &format!("level {}", session.level),
    )
    .await?;
    Ok(session_reply(&api.sessions, &session, token.as_deref()))
}
