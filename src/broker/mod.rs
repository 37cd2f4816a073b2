//! The MyData broker: it alone holds the key providers trust, signs a
//! single-use token for each record it fetches, gathers records concurrently
//! and writes every attempt to the audit log.

mod gather;
pub(crate) mod http;
mod identity;
pub mod token;

pub use gather::{
    Broker, DatasetOutcome, FetchFailure, FetchResult, GatherPolicy, GatherRequest,
    ProviderEndpoints,
};
pub use http::router;
pub use identity::{Factors, KnowledgeCheck};
