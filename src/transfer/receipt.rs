//! Consents and their receipts. A consent records what the citizen agreed
//! to send to whom and for how long; its receipt is the same, signed by
//! the platform, for the citizen to keep and anyone to check.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::cloud::CloudPackage;
use super::{Scope, TransferApi};
use crate::clock;
use crate::http::Problem;
use crate::identity::Session;
use crate::ids::DatasetId;
use crate::services::ServiceProvider;
use crate::store::ConsentRow;

/// The consent receipt (after ISO/IEC TS 27560 and the Kantara consent
/// receipt): signed by the platform, verifiable with its JWKS.
#[derive(Serialize, Deserialize)]
pub(super) struct Receipt {
    pub receipt_id: String,
    pub version: String,
    pub timestamp: String,
    pub jurisdiction: String,
    pub controller: Value,
    pub subject: String,
    pub recipient: Value,
    pub purpose: Value,
    pub data: Vec<Value>,
    pub duration: Value,
    pub terms_url: String,
}

/// Stores the consent to send `package` to `provider` and its signed
/// receipt: standing for `standing_days`, or else one transfer until
/// `one_time_until_ms`.
pub(super) async fn record_consent(
    api: &TransferApi,
    session: &Session,
    provider: &ServiceProvider,
    package: &CloudPackage,
    standing_days: Option<u32>,
    one_time_until_ms: i64,
) -> Result<String, Problem> {
    let registration = &provider.registration;
    let choice_days = standing_days;
    let now = clock::now_ms();
    let expires_ms = match choice_days {
        Some(days) => now + i64::from(days) * 24 * 60 * 60 * 1000,
        None => one_time_until_ms,
    };
    let consent_id = uuid::Uuid::new_v4().to_string();
    let receipt = Receipt {
        receipt_id: consent_id.clone(),
        version: "mydata-navigator-receipt/1".into(),
        timestamp: clock::format_ms(now),
        jurisdiction: "TW".into(),
        controller: json!({"name": "MyData Navigator", "issuer": &*api.issuer}),
        subject: session.subject.masked(),
        recipient: json!({"id": registration.id, "name": registration.name}),
        purpose: serde_json::to_value(&registration.purpose).map_err(|e| Problem::internal(&e))?,
        data: package
            .items
            .iter()
            .map(|i| json!({"dataset": i.dataset, "agency": i.agency, "fields": i.fields}))
            .collect(),
        duration: match choice_days {
            Some(days) => {
                json!({"kind": "standing", "days": days, "until": clock::format_ms(expires_ms)})
            }
            None => json!({"kind": "one-time"}),
        },
        terms_url: registration.terms_url.clone(),
    };
    let signed = api
        .platform_key
        .sign("consent-receipt+jwt", &receipt)
        .map_err(|e| Problem::internal(&e))?;
    let sent_scope: Scope = package
        .items
        .iter()
        .filter_map(|i| Some((DatasetId::parse(&i.dataset).ok()?, i.fields.clone())))
        .collect();
    api.store
        .consent_insert(&ConsentRow {
            id: consent_id.clone(),
            subject: session.subject.to_string(),
            client_id: registration.id.clone(),
            scope: serde_json::to_string(&sent_scope).map_err(|e| Problem::internal(&e))?,
            receipt: signed,
            standing: choice_days.is_some(),
            created_ms: now,
            expires_ms,
            revoked_ms: None,
            refresh_hash: None,
        })
        .await
        .map_err(|e| Problem::internal(&e))?;
    Ok(consent_id)
}
