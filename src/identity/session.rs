//! Server-side sessions. The cookie holds a random token; the database holds
//! its SHA-256 with the citizen, the level reached and when, and the idle and
//! absolute deadlines. The [`CitizenSession`] extractor makes a handler's
//! signature say that only a logged-in citizen may call it.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::HeaderValue;
use axum::http::request::Parts;

use crate::clock;
use crate::http::Problem;
use crate::ids::{Level, NationalId};
use crate::secrets::digest;
use crate::store::{SessionRow, Store, StoreError};

pub const COOKIE_NAME: &str = "navigator_session";

#[derive(Debug, thiserror::Error)]
pub enum RaiseError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the session ended before the stronger factor was proved")]
    Ended,
}

impl From<RaiseError> for Problem {
    fn from(error: RaiseError) -> Self {
        match error {
            RaiseError::Store(e) => Problem::internal(&e),
            RaiseError::Ended => {
                Problem::unauthorized("your session has ended; please log in again")
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    /// A session unused this long ends.
    pub idle_ms: i64,
    /// A session ends this long after login, used or not.
    pub absolute_ms: i64,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle_ms: 15 * 60 * 1000,
            absolute_ms: 2 * 60 * 60 * 1000,
        }
    }
}

/// What handlers need to resolve sessions; cheap to clone.
#[derive(Clone)]
pub struct Sessions {
    pub store: Arc<dyn Store>,
    pub policy: SessionPolicy,
}

#[derive(Debug, Clone)]
pub struct Session {
    pub subject: NationalId,
    pub level: Level,
    pub level_at_ms: i64,
    pub expires_ms: i64,
    token_hash: String,
}

fn level_name(level: Level) -> &'static str {
    level.as_str()
}

impl Sessions {
    /// Starts a session; returns the token for the cookie.
    pub async fn start(
        &self,
        subject: &NationalId,
        level: Level,
    ) -> Result<(String, Session), StoreError> {
        let token = crate::secrets::random_token();
        let now = clock::now_ms();
        let row = SessionRow {
            token_hash: digest(&token),
            subject: subject.to_string(),
            level: level_name(level).into(),
            level_at_ms: now,
            created_ms: now,
            last_seen_ms: now,
            expires_ms: now + self.policy.absolute_ms,
        };
        self.store.session_insert(&row).await?;
        let session = Session {
            subject: subject.clone(),
            level,
            level_at_ms: now,
            expires_ms: row.expires_ms,
            token_hash: row.token_hash,
        };
        Ok((token, session))
    }

    /// The live session a token names, refreshed; `None` when there is none
    /// or it has expired (an expired one is deleted).
    pub async fn resolve(&self, token: &str) -> Result<Option<Session>, StoreError> {
        let token_hash = digest(token);
        let Some(row) = self.store.session_get(&token_hash).await? else {
            return Ok(None);
        };
        let now = clock::now_ms();
        let live = now < row.expires_ms && now - row.last_seen_ms < self.policy.idle_ms;
        let parsed = (
            NationalId::parse(&row.subject).ok(),
            row.level.parse::<Level>().ok(),
        );
        let (true, (Some(subject), Some(level))) = (live, parsed) else {
            self.store.session_delete(&token_hash).await?;
            return Ok(None);
        };
        self.store.session_touch(&token_hash, now).await?;
        Ok(Some(Session {
            subject,
            level,
            level_at_ms: row.level_at_ms,
            expires_ms: row.expires_ms,
            token_hash,
        }))
    }

    /// Records that the citizen proved a stronger factor in this session.
    /// The session keeps its history and deadlines but moves to a new token
    /// (returned, for a new cookie), so that a token seen before the step-up
    /// is worth nothing after it. `None` when the level was reached already.
    pub async fn raise(
        &self,
        session: &mut Session,
        level: Level,
    ) -> Result<Option<String>, RaiseError> {
        if level <= session.level {
            return Ok(None);
        }
        let now = clock::now_ms();
        let token = crate::secrets::random_token();
        let new_hash = digest(&token);
        let moved = self
            .store
            .session_raise(&session.token_hash, &new_hash, level_name(level), now)
            .await?;
        if !moved {
            return Err(RaiseError::Ended);
        }
        session.level = level;
        session.level_at_ms = now;
        session.token_hash = new_hash;
        Ok(Some(token))
    }

    pub async fn end(&self, session: &Session) -> Result<(), StoreError> {
        self.store.session_delete(&session.token_hash).await
    }

    /// `Set-Cookie` for a new session: HttpOnly, Secure, SameSite=Strict,
    /// living no longer than the session.
    pub fn cookie(&self, token: &str) -> HeaderValue {
        let seconds = self.policy.absolute_ms / 1000;
        HeaderValue::from_str(&format!(
            "{COOKIE_NAME}={token}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={seconds}"
        ))
        .unwrap_or_else(|_| HeaderValue::from_static(""))
    }

    pub fn clear_cookie() -> HeaderValue {
        HeaderValue::from_static(
            "navigator_session=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0",
        )
    }
}

fn token_from(parts: &Parts) -> Option<&str> {
    crate::http::cookie(&parts.headers, COOKIE_NAME)
}

/// A logged-in citizen's live session.
pub struct CitizenSession(pub Session);

impl<S> FromRequestParts<S> for CitizenSession
where
    Sessions: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let sessions = Sessions::from_ref(state);
        let token = token_from(parts).ok_or_else(|| Problem::unauthorized("please log in"))?;
        match sessions.resolve(token).await {
            Ok(Some(session)) => Ok(Self(session)),
            Ok(None) => Err(Problem::unauthorized(
                "your session has ended; please log in again",
            )),
            Err(error) => Err(Problem::internal(&error)),
        }
    }
}

/// The caller's live session if there is one; for endpoints that serve
/// both a first login and a step-up within a session.
pub struct MaybeSession(pub Option<Session>);

impl<S> FromRequestParts<S> for MaybeSession
where
    Sessions: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Some(token) = token_from(parts) else {
            return Ok(Self(None));
        };
        Sessions::from_ref(state)
            .resolve(token)
            .await
            .map(Self)
            .map_err(|e| Problem::internal(&e))
    }
}
