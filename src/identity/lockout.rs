//! Lockout after repeated failures: at most five attempts of one login
//! factor are checked per fifteen-minute window, counted per citizen and
//! per client address, each for that factor alone. The attempt is reserved
//! in the database before the factor is checked ([`crate::attempts`]), so
//! parallel guesses cannot all slip under the limit, and every instance
//! shares the count.
//!
//! Per factor, because the factors are not equally easy to guess: someone
//! who knows only an ID number can spend the knowledge-factor budget, but
//! must not thereby lock the citizen out of their card. The card is counted
//! per address only: its signature cannot be guessed without the card's
//! private key, so a count per citizen would protect nothing and would let
//! anyone who knows an ID number lock its holder out of their strongest
//! factor.

use std::net::IpAddr;

use axum::http::StatusCode;

use crate::attempts::{self, Admission, Reservation};
use crate::audit::{AuditLog, Outcome};
use crate::http::Problem;
use crate::ids::NationalId;
use crate::store::{Budget, Store};

/// Five checked attempts per key per fifteen minutes.
pub const BUDGET: Budget = Budget {
    max: 5,
    window_ms: 15 * 60 * 1000,
};

/// The login factors, each with its own budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factor {
    Knowledge,
    Totp,
    Passkey,
    Card,
}

impl Factor {
    pub fn as_str(self) -> &'static str {
        match self {
            Factor::Knowledge => "knowledge",
            Factor::Totp => "totp",
            Factor::Passkey => "passkey",
            Factor::Card => "card",
        }
    }
}

/// The counter of the citizen's attempts at `factor`, if it has one.
fn subject_key(factor: Factor, subject: &NationalId) -> Option<String> {
    (factor != Factor::Card).then(|| format!("{}:subject:{subject}", factor.as_str()))
}

/// The counters one attempt is reserved under: the citizen's (none for
/// the card) and the client address's, for this factor.
fn keys(factor: Factor, subject: &NationalId, address: IpAddr) -> Vec<String> {
    let address_key = format!("{}:address:{address}", factor.as_str());
    subject_key(factor, subject)
        .into_iter()
        .chain([address_key])
        .collect()
}

/// A login attempt admitted under the lockout, until it is settled.
#[derive(Debug)]
#[must_use = "settle the attempt: failed, unchecked or succeeded"]
pub struct Attempt {
    reservation: Reservation,
    /// What a success forgives: the citizen's count of this factor.
    forgiven: Option<String>,
}

/// Reserves one attempt of `factor`, or refuses with 429 (audited: every
/// refused attempt is in the citizen's trail as well).
pub async fn admit(
    store: &dyn Store,
    audit: &AuditLog,
    factor: Factor,
    subject: &NationalId,
    address: IpAddr,
) -> Result<Attempt, Problem> {
    match attempts::reserve(store, keys(factor, subject, address), BUDGET)
        .await
        .map_err(|e| Problem::internal(&e))?
    {
        Admission::Admitted(reservation) => Ok(Attempt {
            reservation,
            forgiven: subject_key(factor, subject),
        }),
        Admission::Refused { retry_after_s } => {
            let detail = format!(
                "{} attempt refused unchecked: too many attempts",
                factor.as_str()
            );
            super::events::record(
                audit,
                subject,
                "identity.lockout",
                Outcome::Failure,
                &detail,
            )
            .await?;
            Err(refusal(retry_after_s))
        }
    }
}

impl Attempt {
    /// The factor was wrong: the attempt stays counted.
    pub fn failed(self) {
        self.reservation.keep();
    }

    /// The factor could not be checked (the registry was unreachable, the
    /// ceremony had expired): the attempt does not count.
    pub async fn unchecked(self, store: &dyn Store) -> Result<(), Problem> {
        self.reservation
            .release(store)
            .await
            .map_err(|e| Problem::internal(&e))
    }

    /// A success forgives the citizen's failures of this factor, not the
    /// address's; this attempt is given back to the address.
    pub async fn succeeded(self, store: &dyn Store) -> Result<(), Problem> {
        match &self.forgiven {
            Some(key) => self.reservation.succeed_forgiving(store, key).await,
            None => self.reservation.release(store).await,
        }
        .map_err(|e| Problem::internal(&e))
    }
}

/// The answer while locked out: 429, and when to try again.
pub fn refusal(retry_after_s: u64) -> Problem {
    Problem::new(
        StatusCode::TOO_MANY_REQUESTS,
        format!(
            "too many failed attempts; try again in {} min",
            retry_after_s.div_ceil(60)
        ),
    )
    .retry_after(retry_after_s)
}
