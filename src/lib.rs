//! mydata-navigator: a citizen describes a problem, consents to exactly the
//! records that matter, the MyData broker fetches them from the agencies that
//! hold them, and the navigator answers with the services they qualify for.
//!
//! A tour of the crate, in the order data moves through it:
//!
//! - [`cli`] and [`config`]: the `navigator` command line and its settings
//!   (flags, `NAVIGATOR_*` variables, safe defaults).
//! - [`app`]: builds the whole platform on one listener; tests and
//!   production start it the same way.
//! - [`http`]: the shared HTTP plumbing: problem+json errors, extractors that
//!   reject bad input with a clear 4xx, health checks, operator auth.
//! - [`ids`]: domain newtypes (`NationalId`, `DatasetId`, `AgencyId`,
//!   `Level`) so that a value which exists is a valid value.
//! - [`understand`]: the embedding model (candle), the needs classifier and
//!   the crisis detector; [`needs`] is the taxonomy they score.
//! - [`eval`]: the evaluation commands of `spec/eval.md`.
//! - [`spec`]: the dataset registry (`datasets/spec/datasets.yaml`): which
//!   agency serves which dataset, its fields and level of assurance.
//! - [`catalog`]: the service catalogue and its eligibility rules (CEL,
//!   three-valued).
//! - [`citizens`]: the synthetic citizens the reference providers serve.
//! - [`providers`]: one reference data provider per agency, each an Open API
//!   that accepts only short-lived, single-use tokens signed by the broker.
//! - [`broker`]: the MyData broker; signs provider tokens and gathers
//!   records concurrently, auditing every attempt.
//! - [`services`]: service providers, their registration and review.
//! - [`transfer`]: consent and transfer: OAuth 2.0 with PKCE, the two
//!   confirmations, the personal cloud, signed and encrypted packages,
//!   consent receipts.
//! - [`provider_client`]: a service provider's side of the online flow,
//!   as a real client; the assistant and [`demo_provider`] use it.
//! - [`casework`]: social workers' cases, their urgency queue, notes and
//!   referrals.
//! - [`identity`]: logins at a level of assurance, server-side sessions,
//!   lockout, the citizen's own trail.
//! - [`attempts`]: attempt budgets reserved in the store before a secret
//!   is checked or work is done: lockouts and rate limits.
//! - [`citizen_card`]: citizen digital certificates: the server's checks
//!   and the card middleware's signature.
//! - [`sealing`]: credentials encrypted at rest under the server's key.
//! - [`audit`]: the append-only, hash-chained transfer log.
//! - [`store`]: persistence behind one trait, SQLite or PostgreSQL.
//! - [`recommend`]: candidates by need and by meaning, judged by the
//!   rules, ranked and explained.
//! - [`vacancies`]: job vacancies from the TaiwanJobs open-data feed.
//! - [`web`]: the web pages, server-rendered, with their security guards.
//! - [`openapi`]: the OpenAPI document of every route, from the routers.
//! - [`telemetry`]: tracing set-up.
#![forbid(unsafe_code)]

pub mod app;
pub mod assistant;
pub mod attempts;
pub mod audit;
pub mod broker;
pub mod casework;
pub mod catalog;
pub mod citizen_card;
pub mod citizens;
pub mod cli;
pub mod clock;
pub mod config;
pub mod demo_provider;
pub mod eval;
#[doc(hidden)]
pub mod fuzzing;
pub mod http;
pub mod identity;
pub mod ids;
pub mod index;
pub mod needs;
pub mod openapi;
pub mod provider_client;
pub mod providers;
pub mod recommend;
pub mod record_types;
pub mod sealing;
pub mod secrets;
pub mod services;
pub mod spec;
pub mod store;
pub mod telemetry;
pub mod transfer;
pub mod understand;
pub mod vacancies;
pub mod web;
