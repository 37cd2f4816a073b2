//! Triage for social workers. Staff are citizens the platform knows, with
//! a role (social worker, supervisor, agency admin, operator) and a team;
//! a social worker opens a case for a citizen, the model reads its summary
//! for a crisis and for needs, and the queue orders open cases by urgency:
//! crisis, then the household's vulnerabilities, then waiting time, each
//! case with the reasons for its place. Notes and referrals to catalogue
//! services follow the case; every staff access is on the citizen's trail.
//!
//! - [`roles`]: roles, and the extractors that say who is calling.
//! - [`urgency`]: signals and the queue order; pure.
//! - [`http`]: the API's state and routes; [`cases`], [`referrals`] and
//!   [`staff`] hold the handlers, [`views`] what they answer with.
//! - [`delegation`]: the citizen's delegated consent to their worker;
//!   [`analysis`]: asking for it, and the worker's view on the records.

pub mod analysis;
pub(crate) mod cases;
pub mod delegation;
pub mod http;
pub(crate) mod referrals;
pub mod roles;
pub(crate) mod staff;
pub mod urgency;
#[cfg(test)]
mod urgency_tests;
pub mod views;

pub use http::{CaseworkApi, router};
pub use roles::{Role, Staff, StaffMember};
pub use urgency::{Signals, Urgency};
