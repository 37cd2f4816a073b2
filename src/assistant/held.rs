//! The records a conversation holds with the citizen's consent: sealed in
//! the database under the server's key, used for every later answer in the
//! same conversation while the consent stands, and deleted with the
//! conversation (by the citizen, or when it expires after 24 hours).

use serde::{Deserialize, Serialize};

use crate::clock;
use crate::http::Problem;
use crate::ids::{DatasetId, Level};
use crate::provider_client::Package;
use crate::recommend::Records;
use crate::sealing::CredentialKey;
use crate::spec::DatasetRegistry;
use crate::store::{ConversationRecordRow, Store};

/// One record an answer used: what, from whom, fetched when, and when it
/// will be deleted.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct DataUsed {
    pub dataset: String,
    /// The dataset and its agency in words, in the reply's language.
    #[serde(default)]
    pub name: String,
    pub agency: String,
    #[serde(default)]
    pub agency_name: String,
    pub fetched_at: String,
    pub consent_id: String,
    pub deleted_by: String,
}

#[derive(Debug, Clone, Default)]
pub struct Held {
    pub records: Records,
    pub used: Vec<DataUsed>,
}

/// The sealing context binds a record to its conversation and dataset: a
/// row copied elsewhere does not open.
fn context(conversation: &str, dataset: &str) -> String {
    format!("conversation-record/{conversation}/{dataset}")
}

/// Keeps a package's records with the conversation.
pub async fn keep(
    store: &dyn Store,
    sealer: &CredentialKey,
    conversation: &str,
    package: &Package,
) -> Result<(), Problem> {
    let now = clock::now_ms();
    let mut rows = Vec::new();
    for entry in &package.manifest {
        let Some(record) = package.records.get(&entry.dataset) else {
            continue;
        };
        let plain = serde_json::to_vec(record).map_err(|e| Problem::internal(&e))?;
        let sealed = sealer
            .seal_envelope(&context(conversation, &entry.dataset), &plain)
            .map_err(|e| Problem::internal(&e))?;
        rows.push(ConversationRecordRow {
            dataset: entry.dataset.clone(),
            agency: entry.agency.clone(),
            fetched_at: entry.fetched_at.clone(),
            consent_id: package.consent_id.clone(),
            sealed,
            received_ms: now,
        });
    }
    store
        .conversation_records_put(conversation, &rows)
        .await
        .map_err(|e| Problem::internal(&e))
}

/// The records the conversation may still use: those whose consent the
/// citizen has not withdrawn (withdrawn ones are deleted here and now).
pub async fn load(
    store: &dyn Store,
    sealer: &CredentialKey,
    conversation: &str,
    expires_ms: i64,
) -> Result<Held, Problem> {
    let rows = store
        .conversation_records(conversation)
        .await
        .map_err(|e| Problem::internal(&e))?;
    let now = clock::now_ms();
    let mut held = Held::default();
    // Several records share a consent: each consent is looked up once.
    let mut standing: std::collections::BTreeMap<String, bool> = Default::default();
    for row in rows {
        let stands = match standing.get(&row.consent_id) {
            Some(known) => *known,
            None => {
                let stands = store
                    .consent_get(&row.consent_id)
                    .await
                    .map_err(|e| Problem::internal(&e))?
                    .is_some_and(|consent| consent.revoked_ms.is_none());
                standing.insert(row.consent_id.clone(), stands);
                if !stands {
                    store
                        .conversation_records_forget(conversation, &row.consent_id)
                        .await
                        .map_err(|e| Problem::internal(&e))?;
                }
                stands
            }
        };
        if !stands {
            continue;
        }
        let plain = sealer
            .open_envelope(&context(conversation, &row.dataset), &row.sealed)
            .map_err(|e| Problem::internal(&e))?;
        let record = serde_json::from_slice(&plain).map_err(|e| Problem::internal(&e))?;
        held.records.insert(row.dataset.clone(), record);
        held.used.push(DataUsed {
            dataset: row.dataset,
            name: String::new(),
            agency: row.agency,
            agency_name: String::new(),
            fetched_at: row.fetched_at,
            consent_id: row.consent_id,
            deleted_by: clock::format_ms(expires_ms.max(now)),
        });
    }
    Ok(held)
}

/// The datasets an answer read, as a kept reply names them.
#[derive(Deserialize)]
struct BuiltOn {
    #[serde(default)]
    data_used: Vec<UsedDataset>,
}

#[derive(Deserialize)]
struct UsedDataset {
    dataset: String,
}

/// The level a session needs to read the conversation: the highest level
/// of the datasets it holds or that any of its answers was built on (the
/// answers stay after a withdrawn consent's records are deleted). Low
/// when it holds none; high for a dataset the registry no longer knows.
pub async fn level_needed(
    store: &dyn Store,
    registry: &DatasetRegistry,
    conversation: &str,
) -> Result<Level, Problem> {
    let held = store
        .conversation_records(conversation)
        .await
        .map_err(|e| Problem::internal(&e))?
        .into_iter()
        .map(|row| row.dataset);
    let turns = store
        .conversation_turns(conversation)
        .await
        .map_err(|e| Problem::internal(&e))?;
    let mut read = Vec::new();
    for turn in turns {
        let reply: BuiltOn =
            serde_json::from_str(&turn.reply).map_err(|e| Problem::internal(&e))?;
        read.extend(reply.data_used.into_iter().map(|used| used.dataset));
    }
    Ok(held
        .chain(read)
        .map(|dataset| {
            DatasetId::parse(&dataset)
                .ok()
                .and_then(|id| registry.dataset(&id).map(|spec| spec.loa))
                .unwrap_or(Level::High)
        })
        .max()
        .unwrap_or(Level::Low))
}
