//! Walks the chain from its checkpoint to its head and names the first entry
//! that was altered, deleted or moved.

use serde::Serialize;

use super::{AuditError, ChainPoint};
use crate::store::Store;

const PAGE: i64 = 1_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ChainProblem {
    /// The entry's contents no longer match its hash.
    Altered { seq: i64 },
    /// The entry does not link to the one before it: something between was
    /// removed or the order changed.
    BrokenLink { seq: i64 },
    /// Sequence numbers jump: entries before `seq` are missing.
    Missing { seq: i64 },
    /// The head records entries that are no longer in the log.
    TailMissing { after_seq: i64, head_seq: i64 },
}

impl std::fmt::Display for ChainProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Altered { seq } => write!(
                f,
                "entry {seq} was altered: its hash does not match its contents"
            ),
            Self::BrokenLink { seq } => write!(
                f,
                "entry {seq} does not link to the entry before it: entries were removed or reordered"
            ),
            Self::Missing { seq } => write!(f, "entries before {seq} are missing"),
            Self::TailMissing {
                after_seq,
                head_seq,
            } => write!(
                f,
                "entries {}..={head_seq} are missing from the end of the log",
                after_seq + 1
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct VerifyReport {
    /// Entries whose hash and link were checked.
    pub checked: i64,
    pub first_seq: Option<i64>,
    pub last_seq: Option<i64>,
    pub problem: Option<ChainProblem>,
}

pub(super) async fn verify_chain(store: &dyn Store) -> Result<VerifyReport, AuditError> {
    let checkpoint = store.audit_checkpoint().await?;
    let mut expected = ChainPoint {
        seq: checkpoint.seq + 1,
        hash: checkpoint.hash,
    };
    let mut report = VerifyReport {
        checked: 0,
        first_seq: None,
        last_seq: None,
        problem: None,
    };
    let mut after = checkpoint.seq;
    loop {
        let page = store.audit_page(after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for entry in &page {
            let problem = if entry.seq != expected.seq {
                // A lower number cannot appear in ascending order, so a
                // different one means a gap before it.
                Some(ChainProblem::Missing { seq: entry.seq })
            } else if entry.prev_hash != expected.hash {
                Some(ChainProblem::BrokenLink { seq: entry.seq })
            } else if entry.expected_hash() != entry.hash {
                Some(ChainProblem::Altered { seq: entry.seq })
            } else {
                None
            };
            if problem.is_some() {
                report.problem = problem;
                return Ok(report);
            }
            report.checked += 1;
            report.first_seq.get_or_insert(entry.seq);
            report.last_seq = Some(entry.seq);
            expected = ChainPoint {
                seq: entry.seq + 1,
                hash: entry.hash.clone(),
            };
        }
    }
    let head = store.audit_head().await?;
    let last_seq = expected.seq - 1;
    if head.seq != last_seq || head.hash != expected.hash {
        report.problem = Some(ChainProblem::TailMissing {
            after_seq: last_seq,
            head_seq: head.seq,
        });
    }
    Ok(report)
}
