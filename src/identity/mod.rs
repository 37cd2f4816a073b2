//! Who the citizen is, and how sure the platform is of it. A login reaches a
//! level of assurance: `low` by knowledge factors, `substantial` by an
//! authenticator-app code or a passkey on top, `high` by a citizen-card
//! signature. The level lives in a server-side session that any instance
//! can read, and a request that needs more asks for a step-up within it.
//! Binding a new authenticator needs the level it grants
//! ([`enrolment`]), so knowledge factors alone never buy a second factor.
//! Failed attempts lock a citizen and an address out for a while, and every
//! attempt is in the audit log.

pub(crate) mod card;
mod enrolment;
mod events;
pub(crate) mod http;
pub mod lockout;
mod passkey;
mod records;
pub mod session;
pub(crate) mod totp;

pub use http::{IdentitySettings, router};
pub use records::{STEP_UP, step_up};
pub use session::{CitizenSession, Session, SessionPolicy, Sessions};
