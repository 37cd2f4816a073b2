//! `GET /oauth/authorize`: the authorization code flow's front door, and
//! `POST /oauth/par`, where a client may push the same parameters first
//! (RFC 9126, authenticated like the token endpoint) and then send the
//! browser with only `client_id` and the `request_uri` it got back.
//!
//! An unknown, inactive client or a redirect URI not registered exactly is
//! answered here (400), never by redirecting. Every other fault goes back
//! to the client's redirect URI as `error=…` with `state` and `iss` (RFC
//! 9207). A sound request waits for the citizen at `/consent/{id}`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::{REQUEST_TTL_MS, TransferApi, scope};
use crate::clock;
use crate::http::{Problem, Query};
use crate::ids::NationalId;
use crate::store::AuthRequestRow;

/// The authorization request (RFC 6749 §4.1.1 with PKCE, RFC 7636), or
/// `client_id` with the `request_uri` a push returned (RFC 9126).
#[derive(Deserialize, Serialize, Default, utoipa::IntoParams, utoipa::ToSchema)]
#[into_params(parameter_in = Query)]
pub(super) struct AuthorizeParams {
    request_uri: Option<String>,
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    /// Only in a pushed request: the ID number of the one citizen who may
    /// answer it (a social worker's request for their case's citizen).
    login_hint: Option<String>,
}

/// Where the citizen's browser goes back to with an answer.
pub(super) fn redirect_with(
    redirect_uri: &str,
    params: &[(&str, &str)],
) -> Result<String, Problem> {
    let mut url = reqwest::Url::parse(redirect_uri).map_err(|e| Problem::internal(&e))?;
    url.query_pairs_mut().extend_pairs(params);
    Ok(url.to_string())
}

/// A PKCE S256 challenge is 43 base64url characters (a SHA-256 digest).
fn is_s256_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

const MAX_STATE: usize = 512;

const REQUEST_URI_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";
const PUSHED_KIND: &str = "oauth.par";
const PUSHED_TTL_MS: i64 = 90 * 1000;

/// The parameters a client pushed, taken once.
async fn pushed(
    api: &TransferApi,
    client_id: &str,
    request_uri: &str,
) -> Result<AuthorizeParams, Problem> {
    let unknown = || Problem::bad_request("request_uri is unknown, expired or used");
    let id = request_uri
        .strip_prefix(REQUEST_URI_PREFIX)
        .ok_or_else(unknown)?;
    let row = api
        .store
        .challenge_take(id, PUSHED_KIND)
        .await
        .map_err(|e| Problem::internal(&e))?
        .filter(|row| row.expires_ms > clock::now_ms() && row.subject.as_deref() == Some(client_id))
        .ok_or_else(unknown)?;
    serde_json::from_str(&row.state).map_err(|e| Problem::internal(&e))
}

/// A pushed authorization request: the client's assertion and the
/// authorization parameters.
#[derive(Deserialize, utoipa::ToSchema)]
pub(super) struct PushedRequest {
    /// `urn:ietf:params:oauth:client-assertion-type:jwt-bearer`
    client_assertion_type: Option<String>,
    client_assertion: Option<String>,
    #[serde(flatten)]
    params: AuthorizeParams,
}

/// A pushed request's handle.
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
struct Pushed {
    request_uri: String,
    expires_in: i64,
}

/// `POST /oauth/par`: stores the parameters for ninety seconds.
#[utoipa::path(post, path = "/oauth/par", tag = "oauth",
    request_body(content = PushedRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 201, description = "The request_uri to send the browser with", body = Pushed),
        (status = 400, description = "Not a form, or a request_uri pushed", body = super::OAuthErrorBody),
        (status = 401, description = "The client assertion does not authenticate", body = super::OAuthErrorBody),
    ))]
pub(super) async fn push(
    State(api): State<TransferApi>,
    form: Result<axum::Form<PushedRequest>, axum::extract::rejection::FormRejection>,
) -> Response {
    let oauth_error = |status: StatusCode, error: &str, description: &str| {
        (
            status,
            axum::Json(serde_json::json!({"error": error, "error_description": description})),
        )
            .into_response()
    };
    let Ok(axum::Form(request)) = form else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the body is not a valid form",
        );
    };
    let provider = match super::token::authenticate(
        &api,
        request.params.client_id.as_deref(),
        request.client_assertion_type.as_deref(),
        request.client_assertion.as_deref(),
    )
    .await
    {
        Ok(provider) => provider,
        Err(e) => return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", &e.description),
    };
    if request.params.request_uri.is_some() {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "request_uri cannot be pushed",
        );
    }
    let now = clock::now_ms();
    let row = crate::store::ChallengeRow {
        id: uuid::Uuid::new_v4().to_string(),
        kind: PUSHED_KIND.into(),
        subject: Some(provider.registration.id.clone()),
        state: match serde_json::to_string(&request.params) {
            Ok(state) => state,
            Err(e) => return Problem::internal(&e).into_response(),
        },
        expires_ms: now + PUSHED_TTL_MS,
    };
    if let Err(e) = api.store.challenge_put(&row, now).await {
        return Problem::internal(&e).into_response();
    }
    (
        StatusCode::CREATED,
        axum::Json(serde_json::json!({
            "request_uri": format!("{REQUEST_URI_PREFIX}{}", row.id),
            "expires_in": PUSHED_TTL_MS / 1000,
        })),
    )
        .into_response()
}

/// The authorization code flow's front door: a sound request sends the
/// browser to the consent screens; a fault after the client and redirect
/// URI are known goes back to the client as `error=…`.
#[utoipa::path(get, path = "/oauth/authorize", tag = "oauth",
    params(AuthorizeParams),
    responses(
        (status = 303, description = "To `/consent/{id}`, or back to the client's redirect URI with an error", headers(("location" = String))),
        (status = 400, description = "No or an unknown client, or a redirect URI not registered exactly"),
    ))]
pub(super) async fn authorize(
    State(api): State<TransferApi>,
    Query(params): Query<AuthorizeParams>,
) -> Result<Response, Problem> {
    let client_id = params
        .client_id
        .clone()
        .ok_or_else(|| Problem::bad_request("client_id is missing"))?;
    let client_id = client_id.as_str();
    let front_channel_hint = params.login_hint.is_some();
    let params = match &params.request_uri {
        Some(request_uri) => pushed(&api, client_id, request_uri).await?,
        None => params,
    };
    let provider = api
        .services
        .active(client_id)
        .await
        .map_err(|e| Problem::internal(&e))?
        .ok_or_else(|| {
            Problem::bad_request("there is no active service provider with this client_id")
        })?;
    let registered = &provider.registration.redirect_uris;
    let redirect_uri = match params.redirect_uri.as_deref() {
        Some(uri) if registered.iter().any(|r| r == uri) => uri.to_owned(),
        Some(_) => {
            return Err(Problem::bad_request(
                "redirect_uri does not exactly match one this service registered",
            ));
        }
        None if registered.len() == 1 => registered[0].clone(),
        None => return Err(Problem::bad_request("redirect_uri is missing")),
    };
    let state = params.state.clone().filter(|s| s.len() <= MAX_STATE);
    let iss = api.issuer.to_string();
    let refuse = |error: &str, description: &str| -> Result<Response, Problem> {
        let mut pairs = vec![("error", error), ("error_description", description)];
        if let Some(state) = &state {
            pairs.push(("state", state));
        }
        pairs.push(("iss", &iss));
        Ok(crate::http::see_other(&redirect_with(
            &redirect_uri,
            &pairs,
        )?))
    };
    if params.state.as_ref().is_some_and(|s| s.len() > MAX_STATE) {
        return refuse("invalid_request", "state is too long");
    }
    if params.response_type.as_deref() != Some("code") {
        return refuse(
            "unsupported_response_type",
            "only response_type=code is supported",
        );
    }
    let challenge = match (
        &params.code_challenge,
        params.code_challenge_method.as_deref(),
    ) {
        (Some(challenge), Some("S256")) if is_s256_challenge(challenge) => challenge.clone(),
        _ => {
            return refuse(
                "invalid_request",
                "PKCE is required: code_challenge with code_challenge_method=S256",
            );
        }
    };
    // An ID number in the browser's address would end up in its history
    // and in logs along the way: a binding comes only by the back channel.
    if front_channel_hint {
        return refuse(
            "invalid_request",
            "login_hint is accepted only in a pushed authorization request",
        );
    }
    let bound_to = match params.login_hint.as_deref().map(str::trim) {
        None => None,
        Some(hint) => match NationalId::parse(hint) {
            Ok(subject) => Some(subject.to_string()),
            Err(_) => return refuse("invalid_request", "login_hint is not an ID number"),
        },
    };
    let scope = match scope::parse(
        params.scope.as_deref().unwrap_or(""),
        &provider.registration,
    ) {
        Ok(scope) => scope,
        Err(problem) => return refuse("invalid_scope", &problem),
    };
    let now = clock::now_ms();
    let row = AuthRequestRow {
        id: uuid::Uuid::new_v4().to_string(),
        client_id: client_id.to_owned(),
        redirect_uri,
        scope: serde_json::to_string(&scope).map_err(|e| Problem::internal(&e))?,
        state,
        code_challenge: challenge,
        // Bound to its citizen now, so that nobody else can claim it and
        // nothing is fetched for them.
        subject: bound_to,
        stage: "pending".into(),
        package_id: None,
        created_ms: now,
        expires_ms: now + REQUEST_TTL_MS,
    };
    api.store
        .auth_request_insert(&row)
        .await
        .map_err(|e| Problem::internal(&e))?;
    Ok(crate::http::see_other(&format!("/consent/{}", row.id)))
}
