//! Asking the citizen for records, as a service provider of the platform.
//!
//! - `POST /api/conversations/{id}/consent {"datasets"?}` pushes an
//!   authorization request (PAR, PKCE) for the datasets the last answer
//!   asked for (or those named) and answers with where to send the
//!   browser: the platform's own consent screens, where the citizen logs in
//!   at the level the records need, may untick items, and confirms twice.
//! - `GET /assistant/callback` is where the browser comes back. The code
//!   is exchanged, the package fetched, decrypted and checked, its records
//!   kept sealed with the conversation, and the question answered again
//!   with them; the browser is sent back to the conversation.
//!
//! What waits for the browser to come back (the PKCE verifier, sealed,
//! and what was asked) is in the database under the state's digest, so
//! any server can take the callback.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::Earlier;
use super::held;
use super::http::{ConversationApi, earlier_of, gone};
use super::plan::ConsentOutcome;
use crate::clock;
use crate::http::{Body, Path, Problem, Query};
use crate::identity::session::MaybeSession;
use crate::ids::{DatasetId, Level};
use crate::provider_client::{Package, ProviderClient};
use crate::recommend::http::today_in_taiwan;
use crate::sealing::CredentialKey;
use crate::secrets::digest;
use crate::store::{ChallengeRow, Store};

const PENDING_KIND: &str = "assistant.consent";
/// As long as the platform waits for the citizen.
const PENDING_TTL_MS: i64 = 10 * 60 * 1000;

/// Whose request it is: a citizen's conversation, or a social worker's
/// case (delegated consent).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "for", rename_all = "snake_case")]
pub enum Purpose {
    Conversation { id: String },
    Case { id: String, staff: String },
}

/// The navigator's two clients at the platform.
#[derive(Clone)]
pub struct Clients {
    pub assistant: std::sync::Arc<ProviderClient>,
    pub casework: std::sync::Arc<ProviderClient>,
}

impl Clients {
    /// The client a request for `purpose` goes out as.
    pub fn serving(&self, purpose: &Purpose) -> &ProviderClient {
        match purpose {
            Purpose::Conversation { .. } => &self.assistant,
            Purpose::Case { .. } => &self.casework,
        }
    }
}

/// A request sent to the consent screens, waiting for the browser.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pending {
    pub purpose: Purpose,
    pub datasets: Vec<String>,
    /// The PKCE code verifier, sealed under the server's key.
    verifier: String,
}

/// The request went out: where the browser goes, and what it asks.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Asked {
    pub authorize_url: String,
    pub datasets: Vec<String>,
    pub required_level: Level,
}

fn verifier_context(state_digest: &str) -> String {
    format!("assistant-pkce/{state_digest}")
}

/// Checks `datasets` (known, no duplicates), pushes an authorization request
/// for them (answerable only by the citizen `bound_to`, when named) and
/// keeps what the callback needs.
pub async fn ask(
    clients: &Clients,
    store: &dyn Store,
    sealer: &CredentialKey,
    registry: &crate::spec::DatasetRegistry,
    purpose: Purpose,
    bound_to: Option<&str>,
    mut datasets: Vec<String>,
) -> Result<Asked, Problem> {
    datasets.sort();
    datasets.dedup();
    let mut required = Level::Low;
    for name in &datasets {
        let spec = DatasetId::parse(name)
            .ok()
            .and_then(|id| registry.dataset(&id))
            .ok_or_else(|| Problem::bad_request(format!("there is no dataset {name:?}")))?;
        required = required.max(spec.loa);
    }
    if datasets.is_empty() {
        return Err(Problem::bad_request("name at least one dataset"));
    }
    let begun = clients
        .serving(&purpose)
        .push_for(&datasets.join(" "), bound_to)
        .await
        .map_err(|error| {
            tracing::warn!(%error, "the platform refused the assistant's request");
            Problem::service_unavailable("the consent service could not be reached; try again")
                .retry_after(5)
        })?;
    let key = digest(&begun.state);
    let verifier = sealer
        .seal(&verifier_context(&key), begun.code_verifier.as_bytes())
        .map_err(|e| Problem::internal(&e))?;
    let pending = Pending {
        purpose,
        datasets: datasets.clone(),
        verifier,
    };
    let now = clock::now_ms();
    store
        .challenge_put(
            &ChallengeRow {
                id: key,
                kind: PENDING_KIND.into(),
                subject: None,
                state: serde_json::to_string(&pending).map_err(|e| Problem::internal(&e))?,
                expires_ms: now + PENDING_TTL_MS,
            },
            now,
        )
        .await
        .map_err(|e| Problem::internal(&e))?;
    // The browser stays on this origin: the path and query only.
    let url = reqwest::Url::parse(&begun.authorize_url).map_err(|e| Problem::internal(&e))?;
    let authorize_url = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    };
    Ok(Asked {
        authorize_url,
        datasets,
        required_level: required,
    })
}

/// The browser's return, as the platform sends it (RFC 6749 §4.1.2, RFC 9207).
/// What the platform sends the browser back with (RFC 6749 §4.1.2, and
/// the issuer of RFC 9207).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Back {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    iss: Option<String>,
}

/// What came back for a request: refused, or a package.
pub enum Answered {
    Refused {
        pending: Pending,
        error: String,
    },
    Granted {
        pending: Pending,
        package: Box<Package>,
        /// For a standing consent (delegation), its refresh token.
        refresh_token: Option<String>,
    },
}

/// Takes the pending request `back` answers (once) and, when granted,
/// redeems the code and opens the package.
pub async fn redeem(
    clients: &Clients,
    store: &dyn Store,
    sealer: &CredentialKey,
    issuer: &str,
    back: Back,
) -> Result<Answered, Problem> {
    let state = back
        .state
        .ok_or_else(|| Problem::bad_request("state is missing"))?;
    let key = digest(&state);
    let row = store
        .challenge_take(&key, PENDING_KIND)
        .await
        .map_err(|e| Problem::internal(&e))?
        .filter(|row| row.expires_ms > clock::now_ms())
        .ok_or_else(|| {
            Problem::bad_request("this answer is unknown, expired or was used already")
        })?;
    let pending: Pending = serde_json::from_str(&row.state).map_err(|e| Problem::internal(&e))?;
    let client = clients.serving(&pending.purpose);
    if back.iss.as_deref().is_some_and(|iss| iss != issuer) {
        return Err(Problem::bad_request("the answer names another issuer"));
    }
    if let Some(error) = back.error {
        return Ok(Answered::Refused { pending, error });
    }
    let code = back
        .code
        .ok_or_else(|| Problem::bad_request("code is missing"))?;
    let verifier = sealer
        .open(&verifier_context(&key), &pending.verifier)
        .map_err(|e| Problem::internal(&e))?;
    let verifier = String::from_utf8(verifier).map_err(|e| Problem::internal(&e))?;
    let unreachable = |error: crate::provider_client::ClientError| {
        tracing::warn!(%error, "the assistant could not collect its package");
        Problem::new(
            StatusCode::BAD_GATEWAY,
            "your records could not be collected; ask again from the conversation",
        )
    };
    let (access, refresh_token) = client.tokens(&code, &verifier).await.map_err(unreachable)?;
    let sealed = client.fetch_package(&access).await.map_err(unreachable)?;
    let package = client.open_package(&sealed).await.map_err(unreachable)?;
    Ok(Answered::Granted {
        pending,
        package: Box::new(package),
        refresh_token,
    })
}

/// What the citizen left out: unticked, or not delivered by its agency.
pub fn outcome(asked: &[String], package: &Package) -> ConsentOutcome {
    let delivered = |dataset: &String| package.manifest.iter().any(|m| &m.dataset == dataset);
    ConsentOutcome {
        unavailable: package.unavailable.clone(),
        declined: asked
            .iter()
            .filter(|d| !delivered(d) && !package.unavailable.contains(d))
            .cloned()
            .collect(),
    }
}

/// Which records to ask for; without a body, those the last answer asked.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = ConsentChoice)]
#[serde(deny_unknown_fields)]
pub(crate) struct Choice {
    datasets: Option<Vec<String>>,
}

/// Asks the platform for consent to the records; the answer is where to
/// send the browser.
#[utoipa::path(post, path = "/api/conversations/{id}/consent", tag = "assistant",
    security((), ("session_cookie" = [])),
    params(("id" = String, Path, description = "The conversation id")),
    request_body(content = Option<Choice>, description = "Optional: which datasets; empty means those the last answer asked for"),
    responses(
        (status = 201, description = "The authorization URL to send the browser to", body = Asked),
        (status = 400, description = "Not `{\"datasets\": [...]}`, or unknown or repeated datasets"),
        (status = 401, description = "The conversation holds records: log in as its citizen, at the level of the records it holds (else a `/problems/step-up-required` problem)"),
        (status = 404, description = "No such conversation"),
        (status = 409, description = "The last answer needs no records"),
    ))]
pub(super) async fn start(
    State(api): State<ConversationApi>,
    MaybeSession(session): MaybeSession,
    Path(id): Path<String>,
    Body(body): Body,
) -> Result<(StatusCode, axum::Json<Asked>), Problem> {
    let conversation = api.open(&id, session.as_ref()).await?;
    let choice: Choice = if body.iter().all(u8::is_ascii_whitespace) {
        Choice::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| Problem::bad_request(format!("send {{\"datasets\": [...]}}: {e}")))?
    };
    let datasets = match choice.datasets {
        Some(datasets) => datasets,
        None => {
            let turns = api
                .store
                .conversation_turns(&conversation.id)
                .await
                .map_err(|e| Problem::internal(&e))?;
            let last = turns
                .last()
                .and_then(|turn| serde_json::from_str::<super::reply::Reply>(&turn.reply).ok());
            last.map(|reply| reply.data_request.into_iter().map(|a| a.dataset).collect())
                .unwrap_or_default()
        }
    };
    if datasets.is_empty() {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "the last answer needs no records: nothing would change a verdict",
        ));
    }
    let asked = ask(
        &api.clients,
        api.store.as_ref(),
        &api.sealer,
        &api.assistant.registry,
        Purpose::Conversation {
            id: conversation.id,
        },
        None,
        datasets,
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(asked)))
}

/// Where the platform sends the browser back after consent: the records
/// are fetched and the browser goes on to the conversation or the case.
#[utoipa::path(get, path = "/assistant/callback", tag = "assistant",
    params(Back),
    responses(
        (status = 303, description = "On to the conversation or case page", headers(("location" = String))),
        (status = 400, description = "An unknown or used state, a wrong issuer, or no code"),
        (status = 401, description = "Granted, but the citizen's session has ended"),
        (status = 403, description = "The records belong to someone other than who is logged in"),
    ))]
pub(super) async fn callback(
    State(api): State<ConversationApi>,
    MaybeSession(session): MaybeSession,
    Query(back): Query<Back>,
) -> Result<Response, Problem> {
    let answered = redeem(
        &api.clients,
        api.store.as_ref(),
        &api.sealer,
        &api.issuer,
        back,
    )
    .await?;
    match answered {
        Answered::Refused { pending, error } => match pending.purpose {
            Purpose::Conversation { id } => Ok(crate::http::see_other(&format!(
                "/?conversation={id}&consent={}",
                if error == "access_denied" {
                    "denied"
                } else {
                    "failed"
                }
            ))),
            Purpose::Case { id, .. } => Ok(crate::http::see_other(&format!(
                "/cases/{id}?consent=denied"
            ))),
        },
        Answered::Granted {
            pending,
            package,
            refresh_token,
        } => match pending.purpose.clone() {
            Purpose::Conversation { id } => {
                let session =
                    session.ok_or_else(|| Problem::unauthorized("please log in again"))?;
                if package.subject != session.subject.as_str() {
                    return Err(Problem::forbidden(
                        "these records belong to someone else than who is logged in",
                    ));
                }
                granted(&api, &id, &pending, &package).await?;
                Ok(crate::http::see_other(&format!("/?conversation={id}")))
            }
            Purpose::Case { id, staff } => {
                api.delegations
                    .granted(&id, &staff, &pending.datasets, &package, refresh_token)
                    .await?;
                Ok(crate::http::see_other(&format!(
                    "/cases/{id}?consent=granted"
                )))
            }
        },
    }
}

/// Keeps the records with the conversation and answers its question again
/// with them, as a new turn.
async fn granted(
    api: &ConversationApi,
    id: &str,
    pending: &Pending,
    package: &Package,
) -> Result<Value, Problem> {
    let conversation = api
        .store
        .conversation_get(id, clock::now_ms())
        .await
        .map_err(|e| Problem::internal(&e))?
        .ok_or_else(gone)?;
    let bound = api
        .store
        .conversation_bind_subject(id, &package.subject)
        .await
        .map_err(|e| Problem::internal(&e))?;
    if !bound {
        return Err(Problem::forbidden(
            "this conversation belongs to someone else",
        ));
    }
    held::keep(api.store.as_ref(), &api.sealer, id, package).await?;
    let held = held::load(api.store.as_ref(), &api.sealer, id, conversation.expires_ms).await?;
    let earlier: Option<Earlier> = earlier_of(api, id).await?;
    let Some(earlier) = earlier else {
        return Ok(json!({}));
    };
    let outcome = outcome(&pending.datasets, package);
    let mut reply = api
        .assistant
        .answer(
            &earlier.question,
            today_in_taiwan(),
            Some(&earlier),
            &held,
            Some(&outcome),
        )
        .await?;
    reply.after_consent = true;
    super::http::keep_turn(api, id, &earlier.question, &mut reply).await?;
    Ok(json!({"turn": reply.turn}))
}
