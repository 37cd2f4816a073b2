//! The broker's side of a knowledge-factor login: it asks the household
//! registry whether the factors match, over the same signed, single-use,
//! audited channel as any record, and never keeps the factors.

use std::time::Duration;

use serde::Deserialize;

use super::Broker;
use super::gather::FetchFailure;
use super::token::ProviderClaims;
use crate::audit::{NewEntry, Outcome};
use crate::ids::{DatasetId, NationalId};
use crate::providers::IDENTITY_SCOPE;

/// What is claimed about the holder of an ID number.
pub enum Factors<'a> {
    /// What the citizen typed at a knowledge-factor login.
    Knowledge {
        nhi_card_number: &'a str,
        id_issue_date: &'a str,
    },
    /// The name on a citizen-card certificate, which carries only four
    /// digits of the ID number.
    CardHolder { name: &'a str },
}

impl Factors<'_> {
    fn event(&self) -> &'static str {
        match self {
            Factors::Knowledge { .. } => "identity.knowledge",
            Factors::CardHolder { .. } => "identity.card_holder",
        }
    }

    fn body(&self) -> serde_json::Value {
        match self {
            Factors::Knowledge {
                nhi_card_number,
                id_issue_date,
            } => serde_json::json!({
                "nhi_card_number": nhi_card_number,
                "id_issue_date": id_issue_date,
            }),
            Factors::CardHolder { name } => serde_json::json!({ "holder_name": name }),
        }
    }
}

/// A question to the household registry about an ID number's holder.
pub struct KnowledgeCheck<'a> {
    pub subject: &'a NationalId,
    pub factors: Factors<'a>,
    /// Who asks: the identity service, for a login.
    pub requester: &'a str,
}

#[derive(Deserialize)]
struct Verdict {
    #[serde(rename = "match")]
    matches: bool,
}

impl Broker {
    /// `Ok(true)` when the registry confirms the factors; `Ok(false)` when
    /// it does not (or knows no such citizen); `Err` when it cannot be asked.
    pub async fn verify_knowledge(&self, check: &KnowledgeCheck<'_>) -> Result<bool, FetchFailure> {
        let result = self.ask_registry(check).await;
        let (outcome, detail) = match &result {
            Ok(true) => (Outcome::Success, "factors matched".to_owned()),
            Ok(false) => (Outcome::Failure, "factors did not match".to_owned()),
            Err(failure) => (Outcome::Failure, failure.to_string()),
        };
        let entry = NewEntry {
            event: check.factors.event().into(),
            actor: check.requester.into(),
            subject: Some(check.subject.to_string()),
            dataset: None,
            purpose: "login".into(),
            outcome: outcome.as_str().into(),
            detail,
        };
        // A login that cannot be recorded does not happen.
        self.audit
            .append(entry)
            .await
            .map_err(|_| FetchFailure::NotAudited)?;
        result
    }

    async fn ask_registry(&self, check: &KnowledgeCheck<'_>) -> Result<bool, FetchFailure> {
        let household =
            DatasetId::parse("household.registration").map_err(|_| FetchFailure::UnknownDataset)?;
        let agency = self
            .registry
            .dataset(&household)
            .map(|d| d.provider.clone())
            .ok_or(FetchFailure::UnknownDataset)?;
        let base = self
            .endpoints
            .get(&agency)
            .ok_or_else(|| FetchFailure::NoEndpoint {
                agency: agency.to_string(),
            })?;
        let claims = ProviderClaims::new(
            agency.as_str(),
            check.subject.as_str(),
            IDENTITY_SCOPE,
            "login",
            check.requester,
            30,
        );
        let token = self.key.sign(&claims).map_err(|_| FetchFailure::Signing)?;
        let mut url = base.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments
                .pop_if_empty()
                .extend(["v1", "identity", check.subject.as_str(), "verify"]);
        }
        let request = self
            .client
            .post(url)
            .bearer_auth(token)
            .json(&check.factors.body())
            .send();
        let timeout: Duration = self.policy.timeout;
        let response = tokio::time::timeout(timeout, request)
            .await
            .map_err(|_| FetchFailure::Timeout {
                timeout_ms: timeout.as_millis(),
            })?
            .map_err(|e| {
                if e.is_connect() {
                    FetchFailure::Unreachable
                } else {
                    FetchFailure::Transport
                }
            })?;
        let status = response.status().as_u16();
        if status != 200 {
            return Err(FetchFailure::ProviderError { status });
        }
        let verdict: Verdict = tokio::time::timeout(timeout, response.json())
            .await
            .map_err(|_| FetchFailure::Timeout {
                timeout_ms: timeout.as_millis(),
            })?
            .map_err(|_| FetchFailure::InvalidRecord {
                reason: "the verdict is not {\"match\": bool}".into(),
            })?;
        Ok(verdict.matches)
    }
}
