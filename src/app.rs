//! Builds the whole platform on one listener. `Application::build` binds
//! first and reports its address, so tests start the very same server on
//! port 0 and production on its configured port.

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use secrecy::SecretString;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;

use crate::assistant::client::Registrant;
use crate::assistant::consent::Clients;
use crate::assistant::hotlines::Hotlines;
use crate::assistant::http::ConversationApi;
use crate::assistant::reply::{ReplyError, Templates};
use crate::assistant::{self, Assistant};
use crate::audit::{self, AuditLog};
use crate::broker::token::{SigningKey, TokenError, TokenVerifier};
use crate::broker::{self, Broker, GatherPolicy, ProviderEndpoints};
use crate::casework::CaseworkApi;
use crate::casework::analysis::AnalysisApi;
use crate::casework::delegation::Delegations;
use crate::catalog::http::CatalogApi;
use crate::catalog::{self, Catalog, CatalogError};
use crate::citizen_card::{CardTrust, TrustError};
use crate::citizens::{CitizenDirectory, CitizensError};
use crate::config::CardTrustArgs;
use crate::config::{ConnectionArgs, ProviderArgs, ServeArgs};
use crate::http::{self, OperatorToken, Problem, TrustedProxies};
use crate::identity::{self, IdentitySettings, SessionPolicy, Sessions};
use crate::ids::AgencyId;
use crate::needs::NeedRegistry;
use crate::openapi;
use crate::providers::Provider;
use crate::recommend::{self, http::RecommendApi};
use crate::sealing::{CredentialKey, SealingError};
use crate::services::{self, ServiceDirectory};
use crate::spec::{DatasetRegistry, SpecError};
use crate::store::{self, Store, StoreError};
use crate::transfer::{self, PlatformKey, PlatformKeyError, TransferApi};
use crate::understand::{self, UnderstandError, Understander};
use crate::vacancies::{self, VacancyError};
use crate::web::pages::{Pages, PagesError};
use crate::web::{self, WebApi};

/// Request bodies larger than this are refused before any handler runs.
const BODY_LIMIT_BYTES: usize = 64 * 1024;
/// No request may hold a connection longer than this.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error(transparent)]
    Citizens(#[from] CitizensError),
    #[error(transparent)]
    Key(#[from] TokenError),
    #[error(transparent)]
    Model(#[from] UnderstandError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("the operator token file {path}: {source}")]
    OperatorToken {
        path: String,
        source: std::io::Error,
    },
    #[error("{0} is not an agency of datasets.yaml")]
    UnknownAgency(AgencyId),
    #[error("server: {0}")]
    Serve(std::io::Error),
    #[error("citizen-card trust: {0}")]
    CardTrust(#[from] TrustError),
    #[error("cannot read {path}: {source}")]
    ReadFile {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Sealing(#[from] SealingError),
    #[error(transparent)]
    PlatformKey(#[from] PlatformKeyError),
    #[error("the service catalogue: {0}")]
    Catalog(String),
    #[error("the vacancy feed: {0}")]
    Vacancies(#[from] VacancyError),
    #[error("the reply templates: {0}")]
    Templates(#[from] ReplyError),
    #[error(transparent)]
    CatalogFiles(#[from] CatalogError),
    #[error("the web pages: {0}")]
    Pages(#[from] PagesError),
    #[error(transparent)]
    AssistantClient(#[from] assistant::client::ClientSetupError),
    #[error("the OpenAPI document: {0}")]
    OpenApi(serde_json::Error),
    #[error("public origin {origin:?}: {problem}")]
    PublicOrigin { origin: String, problem: String },
    #[error(
        "refusing to start: the public origin {origin} is not this machine, yet citizen cards \
         would be checked against the embedded TEST certificate authority, whose private keys \
         are public (anyone could log in at level high as anyone). Set \
         NAVIGATOR_CARD_TRUST_ANCHORS, NAVIGATOR_CARD_INTERMEDIATES and NAVIGATOR_CARD_CRLS \
         (--card-trust-anchors …), or pass --allow-test-card-ca for a demonstration"
    )]
    TestCardCaInPublic { origin: String },
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    connections: ConnectionArgs,
    store: Arc<dyn Store>,
    broker: Broker,
    recommend: RecommendApi,
}

impl Application {
    /// Builds with the model named in `args`, loaded now.
    pub async fn build(args: ServeArgs) -> Result<Self, AppError> {
        let understander = Understander::load(
            &args.model.model_dir,
            &args.model.heads,
            args.model.workers(),
        )?;
        Self::build_with(args, understander).await
    }

    /// Builds around a model already loaded: tests share one per binary.
    pub async fn build_with(args: ServeArgs, understander: Understander) -> Result<Self, AppError> {
        refuse_test_card_ca_in_public(&args)?;
        let store = store::connect(&args.store.url()).await?;
        let registry = Arc::new(DatasetRegistry::embedded()?);
        let citizens = Arc::new(CitizenDirectory::embedded(&registry)?);
        let key = Arc::new(SigningKey::load_or_create(&args.broker_key_path())?);
        let operator = match args.operator_token.clone() {
            Some(token) => OperatorToken::new(token),
            None => OperatorToken::new(operator_token_file(&args.store.data_dir)?),
        };
        let listener = bind(args.listen).await?;
        let addr = listener.local_addr().map_err(AppError::Serve)?;

        let endpoints = provider_endpoints(&args, &registry, addr)?;
        let audit = AuditLog::new(store.clone());
        let policy = GatherPolicy {
            timeout: args.provider_timeout(),
            connect_retries: args.provider_retries,
        };
        let broker = Broker::new(
            key.clone(),
            registry.clone(),
            endpoints,
            audit.clone(),
            policy,
        );

        catalog::http::seed_if_empty(store.as_ref())
            .await
            .map_err(|problem| AppError::Catalog(problem.to_string()))?;
        let policy = SessionPolicy::default();
        let credential_key = Arc::new(credential_key(&args)?);
        let recommend = RecommendApi::new(
            store.clone(),
            registry.clone(),
            Arc::new(Catalog::embedded()?.tables),
            understander.clone(),
            vacancies::embedded()?,
        );
        let issuer: Arc<str> = args.public_origin.trim_end_matches('/').into();
        let clients = navigator_clients(&args, &issuer, addr, store.as_ref(), &registry).await?;
        let delegations = Delegations {
            store: store.clone(),
            sealer: credential_key.clone(),
            audit: audit.clone(),
        };
        let assistant = Assistant {
            recommend: recommend.clone(),
            understander: understander.clone(),
            registry: registry.clone(),
            needs: Arc::new(NeedRegistry::embedded()?),
            hotlines: Arc::new(Hotlines::embedded()?),
            pointers: Arc::new(crate::assistant::pointers::Pointers::embedded()?),
            templates: Arc::new(Templates::embedded()?),
        };
        let casework = CaseworkApi {
            store: store.clone(),
            sessions: Sessions {
                store: store.clone(),
                policy,
            },
            audit: audit.clone(),
            understander: understander.clone(),
            operator: operator.clone(),
        };
        let document = openapi::Document::default();
        let mut api = openapi::base()
            .merge(openapi::router(document.clone()))
            .merge(http::health_router(
                store.clone(),
                vec![Arc::new(recommend.clone()), Arc::new(understander.clone())],
            ))
            .merge(broker::router(broker.clone(), operator.clone()))
            .merge(audit::router(audit.clone(), operator.clone()))
            .merge(identity::router(
                store.clone(),
                broker.clone(),
                audit.clone(),
                IdentitySettings {
                    policy,
                    card_trust: Arc::new(card_trust(&args.card_trust)?),
                    webauthn: Arc::new(webauthn(&args.public_origin)?),
                    credential_key: credential_key.clone(),
                },
            ))
            .merge(catalog::http::router(CatalogApi {
                store: store.clone(),
                registry: registry.clone(),
                needs: Arc::new(NeedRegistry::embedded()?),
                tables: Arc::new(Catalog::embedded()?.tables),
                audit: audit.clone(),
                operator: operator.clone(),
                rules: catalog::work::RuleWork::for_this_machine(),
            }))
            .merge(services::router(
                store.clone(),
                registry.clone(),
                audit.clone(),
                operator.clone(),
            ))
            .merge(transfer::router(TransferApi {
                store: store.clone(),
                sessions: Sessions {
                    store: store.clone(),
                    policy,
                },
                broker: broker.clone(),
                audit: audit.clone(),
                services: ServiceDirectory::new(store.clone()),
                platform_key: Arc::new(PlatformKey::load_or_create(
                    &args.store.data_dir.join("platform-signing-key.der"),
                )?),
                cloud_key: credential_key.clone(),
                issuer: issuer.clone(),
            }))
            .merge(recommend::http::router(recommend.clone()))
            .merge(assistant::http::router(ConversationApi {
                store: store.clone(),
                sessions: Sessions {
                    store: store.clone(),
                    policy,
                },
                audit: audit.clone(),
                sealer: credential_key.clone(),
                clients: clients.clone(),
                delegations: delegations.clone(),
                issuer: issuer.clone(),
                assistant: assistant.clone(),
                limits: args.conversation_limits,
            }))
            .merge(crate::casework::router(casework.clone()))
            .merge(crate::casework::analysis::router(AnalysisApi {
                casework,
                store: store.clone(),
                sessions: Sessions {
                    store: store.clone(),
                    policy,
                },
                assistant,
                clients,
                delegations,
                sealer: credential_key.clone(),
            }))
            .merge(understand::router(understander))
            .merge(web::router(WebApi {
                pages: Arc::new(Pages::embedded()?),
                datasets: Arc::new(web::DatasetChoice::all(&registry)),
            }));
        if !args.no_local_providers {
            let verifier = key.verifier()?;
            for spec in registry.providers() {
                let provider = Provider::new(
                    spec.id.clone(),
                    &registry,
                    citizens.clone(),
                    store.clone(),
                    verifier.clone(),
                );
                api = api.nest(&format!("/providers/{}", spec.id), provider.router());
            }
        }
        let (router, api) = api.split_for_parts();
        document.publish(api).map_err(AppError::OpenApi)?;
        let https =
            reqwest::Url::parse(&args.public_origin).is_ok_and(|url| url.scheme() == "https");
        // Lockouts and rate limits read the client address through this.
        let proxies = Arc::new(TrustedProxies::new(
            args.client_address.trusted_proxies.clone(),
            args.client_address.client_address_header.clone(),
        ));
        Ok(Self {
            listener,
            router: with_common_layers(router, https).layer(axum::Extension(proxies)),
            connections: args.connections.clone(),
            store,
            broker,
            recommend,
        })
    }

    /// Builds the recommender (embedding the catalogue and vacancies) in
    /// the background, so the first question does not wait for it.
    pub fn warm_up(&self) {
        let recommend = self.recommend.clone();
        tokio::spawn(async move { recommend.warm().await });
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    pub fn store(&self) -> Arc<dyn Store> {
        self.store.clone()
    }

    pub fn broker(&self) -> Broker {
        self.broker.clone()
    }

    /// Serves until `shutdown` resolves, then lets requests in flight finish.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), AppError> {
        tracing::info!(addr = %self.local_addr(), "navigator serving");
        let sweeper = tokio::spawn(sweep_personal_clouds(self.store.clone()));
        // Peer addresses (`ConnectInfo`) feed lockouts and rate limits (see
        // ClientAddress).
        let served = http::serve(self.listener, self.router, &self.connections, shutdown)
            .await
            .map_err(AppError::Serve);
        sweeper.abort();
        served
    }
}

/// Deletes personal-cloud packages past their time to live every minute,
/// so that records nobody comes back for do not linger. Each server runs
/// one; the delete is idempotent, so several side by side do no harm.
async fn sweep_personal_clouds(store: Arc<dyn Store>) {
    let mut every_minute = tokio::time::interval(Duration::from_secs(60));
    loop {
        every_minute.tick().await;
        match store.cloud_purge_expired(crate::clock::now_ms()).await {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, "expired personal-cloud packages deleted"),
            Err(error) => tracing::warn!(%error, "could not sweep the personal cloud"),
        }
        match store
            .conversation_purge_expired(crate::clock::now_ms())
            .await
        {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, "expired conversations deleted"),
            Err(error) => tracing::warn!(%error, "could not sweep expired conversations"),
        }
        // Every attempt budget's window is shorter than a day.
        let day_ago = crate::clock::now_ms() - 24 * 60 * 60 * 1000;
        if let Err(error) = store.attempts_purge(day_ago).await {
            tracing::warn!(%error, "could not sweep old attempt windows");
        }
    }
}

/// Runs one reference provider as a server of its own.
pub async fn run_provider(
    args: ProviderArgs,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), AppError> {
    let registry = DatasetRegistry::embedded()?;
    if registry.provider(&args.agency).is_none() {
        return Err(AppError::UnknownAgency(args.agency));
    }
    let store = store::connect(&args.store.url()).await?;
    let citizens = Arc::new(CitizenDirectory::embedded(&registry)?);
    let verifier = match &args.broker_public_key {
        Some(path) => {
            let pem = std::fs::read(path).map_err(|source| TokenError::KeyFile {
                path: path.display().to_string(),
                source,
            })?;
            TokenVerifier::from_pem(&pem)?
        }
        None => SigningKey::load_or_create(&args.store.data_dir.join("broker-signing-key.pem"))?
            .verifier()?,
    };
    let provider = Provider::new(
        args.agency.clone(),
        &registry,
        citizens,
        store.clone(),
        verifier,
    );
    let (router, _) = http::health_router(store, Vec::new())
        .merge(provider.router())
        .split_for_parts();
    let listener = bind(args.listen).await?;
    tracing::info!(agency = %args.agency, addr = %args.listen, "provider serving");
    http::serve(
        listener,
        with_common_layers(router, false),
        &args.connections,
        shutdown,
    )
    .await
    .map_err(AppError::Serve)
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, AppError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| AppError::Bind { addr, source })
}

/// Ends a request that runs past `REQUEST_TIMEOUT` with a problem the
/// client can read (tower-http's timeout answers with an empty body).
async fn time_limit(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => Problem::service_unavailable(format!(
            "the request took longer than {} s and was stopped; try again",
            REQUEST_TIMEOUT.as_secs()
        ))
        .retry_after(5)
        .into_response(),
    }
}

/// `https`: the public origin is https, so browsers are told to use
/// nothing else (HSTS).
fn with_common_layers(router: Router, https: bool) -> Router {
    router
        .fallback(http::not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(axum::middleware::from_fn(web::guard::refuse_forgeries))
        .layer(axum::middleware::from_fn(time_limit))
        .layer(axum::middleware::from_fn(web::guard::security_headers))
        .layer(CatchPanicLayer::custom(|_| {
            use axum::response::IntoResponse;
            Problem::internal(&"a handler panicked").into_response()
        }))
        .layer(axum::middleware::from_fn_with_state(
            https,
            web::guard::private_by_default,
        ))
        .layer(http::trace_layer())
}

/// The navigator's clients at the platform (the assistant's and
/// casework's), registered.
async fn navigator_clients(
    args: &ServeArgs,
    issuer: &str,
    addr: SocketAddr,
    store: &dyn Store,
    registry: &DatasetRegistry,
) -> Result<Clients, AppError> {
    let load = |registrant| {
        assistant::client::load(registrant, &args.store.data_dir, issuer, own_origin(addr)?)
            .map(Arc::new)
            .map_err(AppError::from)
    };
    let clients = Clients {
        assistant: load(Registrant::Assistant)?,
        casework: load(Registrant::Casework)?,
    };
    for (registrant, client) in [
        (Registrant::Assistant, &clients.assistant),
        (Registrant::Casework, &clients.casework),
    ] {
        assistant::client::register(registrant, client, issuer, store, registry).await?;
    }
    Ok(clients)
}

/// This server's listening address as loopback callers reach it.
fn own_host(addr: SocketAddr) -> SocketAddr {
    if addr.ip().is_unspecified() {
        SocketAddr::from(([127, 0, 0, 1], addr.port()))
    } else {
        addr
    }
}

/// Where the assistant reaches this platform: the server itself, over
/// loopback, like any provider would over the network.
fn own_origin(addr: SocketAddr) -> Result<reqwest::Url, AppError> {
    reqwest::Url::parse(&format!("http://{}/", own_host(addr))).map_err(|e| {
        AppError::PublicOrigin {
            origin: addr.to_string(),
            problem: e.to_string(),
        }
    })
}

/// Every agency gets a base URL: the configured one, or this server's own
/// mount, reached over loopback like any remote provider.
fn provider_endpoints(
    args: &ServeArgs,
    registry: &DatasetRegistry,
    addr: SocketAddr,
) -> Result<ProviderEndpoints, AppError> {
    let own_host = own_host(addr);
    let mut endpoints = ProviderEndpoints::default();
    for spec in registry.providers() {
        if let Ok(url) = reqwest::Url::parse(&format!("http://{own_host}/providers/{}/", spec.id)) {
            endpoints.insert(spec.id.clone(), url);
        }
    }
    for (agency, url) in &args.provider_urls {
        if registry.provider(agency).is_none() {
            return Err(AppError::UnknownAgency(agency.clone()));
        }
        endpoints.insert(agency.clone(), url.clone());
    }
    Ok(endpoints)
}

/// Reads the operator token, creating a random one (owner-only) on first run.
fn operator_token_file(data_dir: &Path) -> Result<SecretString, AppError> {
    let path = data_dir.join("operator-token");
    let error = |source| AppError::OperatorToken {
        path: path.display().to_string(),
        source,
    };
    match std::fs::read_to_string(&path) {
        Ok(token) => Ok(SecretString::from(token.trim().to_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let token = crate::secrets::random_token();
            std::fs::create_dir_all(data_dir).map_err(error)?;
            crate::secrets::write_owner_only(&path, token.as_bytes()).map_err(error)?;
            tracing::info!(path = %path.display(), "created an operator token");
            Ok(SecretString::from(token))
        }
        Err(e) => Err(error(e)),
    }
}

/// The embedded test CA's keys are public: trusted by a server others can
/// reach, it lets anyone sign in at level high as anyone. Only a server
/// whose public origin is this machine (a demonstration, the tests) may
/// use it, unless `--allow-test-card-ca` says so explicitly.
fn refuse_test_card_ca_in_public(args: &ServeArgs) -> Result<(), AppError> {
    let trust = &args.card_trust;
    if trust.card_trust_anchors.is_some() || trust.allow_test_card_ca {
        return Ok(());
    }
    let url = reqwest::Url::parse(&args.public_origin).map_err(|e| AppError::PublicOrigin {
        origin: args.public_origin.clone(),
        problem: e.to_string(),
    })?;
    // The URL parser lower-cases host names and brackets IPv6 addresses.
    if matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]")) {
        Ok(())
    } else {
        Err(AppError::TestCardCaInPublic {
            origin: args.public_origin.clone(),
        })
    }
}

fn card_trust(args: &CardTrustArgs) -> Result<CardTrust, AppError> {
    let (Some(anchors), Some(intermediates), Some(crls)) = (
        &args.card_trust_anchors,
        &args.card_intermediates,
        &args.card_crls,
    ) else {
        tracing::warn!(
            "citizen cards are checked against the embedded TEST certificate authority, \
             whose keys are public; set NAVIGATOR_CARD_TRUST_ANCHORS for real cards"
        );
        return Ok(CardTrust::embedded_test_pki()?);
    };
    let read = |path: &Path| {
        std::fs::read(path).map_err(|source| AppError::ReadFile {
            path: path.display().to_string(),
            source,
        })
    };
    Ok(CardTrust::from_pem(
        &read(anchors)?,
        &read(intermediates)?,
        &read(crls)?,
    )?)
}

/// The WebAuthn relying party: this service as citizens' browsers see it.
fn webauthn(origin: &str) -> Result<webauthn_rs::Webauthn, AppError> {
    let invalid = |problem: String| AppError::PublicOrigin {
        origin: origin.to_owned(),
        problem,
    };
    let url = reqwest::Url::parse(origin).map_err(|e| invalid(e.to_string()))?;
    let host = url
        .host_str()
        .ok_or_else(|| invalid("it has no host name".into()))?
        .to_owned();
    webauthn_rs::WebauthnBuilder::new(&host, &url)
        .and_then(|builder| builder.rp_name("MyData Navigator").build())
        .map_err(|e| invalid(e.to_string()))
}

fn credential_key(args: &ServeArgs) -> Result<CredentialKey, SealingError> {
    use secrecy::ExposeSecret;
    match &args.credential_key {
        Some(hex_key) => CredentialKey::from_hex(hex_key.expose_secret()),
        None => CredentialKey::load_or_create(&args.store.data_dir.join("credential-key")),
    }
}
