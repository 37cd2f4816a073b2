//! Who the citizen is, and how sure the platform is of it. A login reaches a
//! level of assurance (`low` by knowledge factors so far; `substantial` and
//! `high` factors come next), held in a server-side session that any
//! instance can read. Failed attempts lock a citizen and an address out for
//! a while, and every attempt is in the audit log.

mod http;
mod lockout;
pub mod session;
mod totp;

pub use http::router;
pub use session::{CitizenSession, Session, SessionPolicy, Sessions};
