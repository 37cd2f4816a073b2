//! Taiwan's citizen digital certificate (自然人憑證): an X.509 certificate on
//! a smart card whose key signs a challenge through local middleware. The
//! server checks the chain to its trust anchor, the validity period, the key
//! usage, revocation against the issuer's CRL, and the signature over a fresh
//! challenge of its own; the subject's `serialNumber` begins with the last
//! four digits of the holder's ID number, which must match the ID claimed.
//!
//! [`sign`] plays the card middleware for tests and demonstrations.

pub mod sign;
mod trust;

pub use trust::{CardHolder, CardTrust, Rejection, TrustError};
