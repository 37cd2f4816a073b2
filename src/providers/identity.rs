//! The household registry's identity checks: does this NHI card number and
//! ID issue date belong to this ID number? Is this the name of its holder
//! (for a citizen-card login, whose certificate shows four digits only)? The registry answers only yes or
//! no, the same way for an ID number it does not know, so the check reveals
//! nothing but the match. The broker calls it with a token scoped to
//! [`IDENTITY_SCOPE`], audited like any fetch.

use axum::extract::State;
use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};

use super::Provider;
use crate::http::{Json, Path, Problem};
use crate::ids::NationalId;
use crate::secrets::same_secret;

/// The `dataset` claim of a token for the knowledge check.
pub const IDENTITY_SCOPE: &str = "identity.knowledge_factors";

/// Either `nhi_card_number` with `id_issue_date`, or `holder_name` alone.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = RegistryIdentityFactors)]
#[serde(deny_unknown_fields)]
pub(super) struct KnowledgeFactors {
    #[serde(default)]
    nhi_card_number: Option<String>,
    #[serde(default)]
    id_issue_date: Option<String>,
    #[serde(default)]
    holder_name: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = RegistryIdentityMatch)]
pub(super) struct Verdict {
    #[serde(rename = "match")]
    matches: bool,
}

/// Whether the factors belong to this ID number: only yes or no, the
/// same for an ID number the registry does not know.
#[utoipa::path(post, path = "/v1/identity/{subject}/verify", tag = "providers",
    security(("broker_token" = [])),
    params(("subject" = NationalId, Path, description = "The citizen's national ID")),
    request_body = KnowledgeFactors,
    responses(
        (status = 200, description = "Whether they match", body = Verdict),
        (status = 400, description = "A malformed ID, or neither pair of factors"),
        (status = 401, description = "No broker token, or it is expired, used, or for another agency, dataset or citizen"),
        (status = 422, description = "An unknown field"),
    ))]
pub(super) async fn verify(
    State(provider): State<Provider>,
    headers: HeaderMap,
    Path(subject): Path<String>,
    Json(factors): Json<KnowledgeFactors>,
) -> Result<axum::Json<Verdict>, Problem> {
    let subject = NationalId::parse(&subject).map_err(|e| Problem::bad_request(e.to_string()))?;
    let claims = provider
        .authorise(&headers, IDENTITY_SCOPE, &subject)
        .await?;
    let citizen = provider.citizens().get(&subject);
    let matches = match (
        &factors.nhi_card_number,
        &factors.id_issue_date,
        &factors.holder_name,
    ) {
        (Some(nhi_card_number), Some(id_issue_date), None) => citizen.is_some_and(|citizen| {
            let nhi = same_secret(&citizen.identity.nhi_card_number, nhi_card_number.trim());
            let date = same_secret(&citizen.identity.id_issue_date, id_issue_date.trim());
            nhi & date
        }),
        (None, None, Some(name)) => {
            citizen.is_some_and(|citizen| same_secret(&citizen.identity.name, name.trim()))
        }
        _ => {
            return Err(Problem::bad_request(
                "send nhi_card_number with id_issue_date, or holder_name alone",
            ));
        }
    };
    let label = if matches {
        "identity_match"
    } else {
        "identity_mismatch"
    };
    provider
        .log(
            Some(&claims),
            Some(subject.as_str()),
            Some(IDENTITY_SCOPE),
            label,
        )
        .await;
    Ok(axum::Json(Verdict { matches }))
}
