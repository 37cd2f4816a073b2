//! The transfer audit log: every fetch attempt, consent step and purge is
//! appended as an entry whose SHA-256 covers the previous entry's hash and
//! its own canonical bytes, so that altering, deleting or reordering any
//! entry breaks the chain where it happened (`navigator audit verify`).
//! Entries are kept at least 365 days; older ones go only when asked, and the
//! chain stays verifiable from a checkpoint.

mod http;
mod verify;

use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::clock::{self, DAY_MS};
use crate::store::{Store, StoreError};

pub use http::router;
pub use verify::{ChainProblem, VerifyReport};

/// The previous hash of the first entry ever written.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// How long entries are kept before a purge may remove them.
pub const RETENTION_DAYS: i64 = 365;

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "entries younger than {RETENTION_DAYS} days are kept: the latest date a purge may name is {latest}"
    )]
    TooRecent { latest: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
        }
    }
}

/// An entry as its writer describes it; the log adds time, sequence and hash.
#[derive(Debug, Clone, Serialize)]
pub struct NewEntry {
    /// What happened, e.g. `broker.fetch`, `audit.purge`.
    pub event: String,
    /// Who asked: `broker`, a service provider id, a social worker id.
    pub actor: String,
    /// The citizen concerned (national ID), when there is one.
    pub subject: Option<String>,
    pub dataset: Option<String>,
    pub purpose: String,
    pub outcome: String,
    /// Why it failed, how many attempts it took; never record contents.
    pub detail: String,
}

/// An entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Entry {
    pub seq: i64,
    pub at_ms: i64,
    pub event: String,
    pub actor: String,
    pub subject: Option<String>,
    pub dataset: Option<String>,
    pub purpose: String,
    pub outcome: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// A position in the chain: a sequence number and the hash of that entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainPoint {
    pub seq: i64,
    pub hash: String,
}

/// The bytes an entry's hash covers, in a fixed field order. JSON keeps them
/// readable; serde serialises struct fields in declaration order.
#[derive(Serialize)]
struct Canonical<'a> {
    seq: i64,
    at_ms: i64,
    event: &'a str,
    actor: &'a str,
    subject: Option<&'a str>,
    dataset: Option<&'a str>,
    purpose: &'a str,
    outcome: &'a str,
    detail: &'a str,
}

/// The hash of entry `seq` written at `at_ms` after `prev_hash`.
pub fn chain_hash(prev_hash: &str, seq: i64, at_ms: i64, entry: &NewEntry) -> String {
    let canonical = Canonical {
        seq,
        at_ms,
        event: &entry.event,
        actor: &entry.actor,
        subject: entry.subject.as_deref(),
        dataset: entry.dataset.as_deref(),
        purpose: &entry.purpose,
        outcome: &entry.outcome,
        detail: &entry.detail,
    };
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    hasher.update(b"\n");
    // Serialising plain strings and integers cannot fail.
    hasher.update(serde_json::to_vec(&canonical).unwrap_or_default());
    hex::encode(hasher.finalize())
}

impl Entry {
    fn as_new(&self) -> NewEntry {
        NewEntry {
            event: self.event.clone(),
            actor: self.actor.clone(),
            subject: self.subject.clone(),
            dataset: self.dataset.clone(),
            purpose: self.purpose.clone(),
            outcome: self.outcome.clone(),
            detail: self.detail.clone(),
        }
    }

    /// The hash this entry should carry given its own contents.
    pub fn expected_hash(&self) -> String {
        chain_hash(&self.prev_hash, self.seq, self.at_ms, &self.as_new())
    }
}

/// What a purge removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PurgeReport {
    pub removed: i64,
    /// The chain now starts after this entry.
    pub checkpoint_seq: i64,
}

/// The audit log as the rest of the platform uses it.
#[derive(Clone)]
pub struct AuditLog {
    store: Arc<dyn Store>,
}

impl AuditLog {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    pub async fn append(&self, entry: NewEntry) -> Result<Entry, AuditError> {
        Ok(self.store.audit_append(clock::now_ms(), &entry).await?)
    }

    /// One citizen's trail, newest first.
    pub async fn trail(&self, subject: &str, limit: i64) -> Result<Vec<Entry>, AuditError> {
        Ok(self.store.audit_trail(subject, limit).await?)
    }

    /// What one actor caused, newest first: a service provider's transfer
    /// log is the entries it is the actor of.
    pub async fn by_actor(&self, actor: &str, limit: i64) -> Result<Vec<Entry>, AuditError> {
        Ok(self.store.audit_by_actor(actor, limit).await?)
    }

    pub async fn verify(&self) -> Result<VerifyReport, AuditError> {
        verify::verify_chain(self.store.as_ref()).await
    }

    /// Removes entries older than `before_ms`, only if that is at least
    /// [`RETENTION_DAYS`] ago, and records the purge itself in the log.
    pub async fn purge(&self, before_ms: i64, actor: &str) -> Result<PurgeReport, AuditError> {
        let now = clock::now_ms();
        let latest = now - RETENTION_DAYS * DAY_MS;
        if before_ms > latest {
            return Err(AuditError::TooRecent {
                latest: clock::format_ms(latest),
            });
        }
        let report = self.store.audit_purge(before_ms).await?;
        self.append(NewEntry {
            event: "audit.purge".into(),
            actor: actor.into(),
            subject: None,
            dataset: None,
            purpose: "retention".into(),
            outcome: Outcome::Success.as_str().into(),
            detail: format!(
                "removed {} entries written before {}; the chain now starts after entry {}",
                report.removed,
                clock::format_ms(before_ms),
                report.checkpoint_seq
            ),
        })
        .await?;
        Ok(report)
    }
}
