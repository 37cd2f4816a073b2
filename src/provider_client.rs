//! A service provider's side of the online flow, as a real client: it
//! registers its keys, sends the citizen to `/oauth/authorize` with PKCE
//! (or pushes the request first), authenticates to the token endpoint with
//! a signed assertion, redeems counter tickets, and decrypts and verifies
//! the package. The assistant uses it to ask for records like any other
//! provider; the demo bank ([`crate::demo_provider`]) drives the tests.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use compact_jwt::crypto::JwsEs256Signer;
use compact_jwt::jws::JwsBuilder;
use compact_jwt::traits::{JwsSigner, JwsVerifier};
use compact_jwt::{JwkKeySet, JwsCompact, JwsEs256Verifier};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::services::EncryptionKey;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("JOSE: {0:?}")]
    Jose(compact_jwt::JwtError),
    #[error("HTTP: {0}")]
    Http(#[from] reqwest::Error),
    #[error("the platform answered {status}: {body}")]
    Refused { status: u16, body: String },
    #[error("the package is not valid: {0}")]
    Package(String),
}

/// One package, decrypted, its signature and manifest checked.
#[derive(Debug, Clone, Deserialize)]
pub struct Package {
    pub iss: String,
    pub aud: String,
    pub package_id: String,
    pub consent_id: String,
    pub subject: String,
    pub manifest: Vec<ManifestEntry>,
    pub records: BTreeMap<String, Value>,
    /// Datasets the citizen consented to that their agency failed to
    /// deliver: worth asking again later.
    #[serde(default)]
    pub unavailable: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ManifestEntry {
    pub dataset: String,
    pub agency: String,
    pub fetched_at: String,
    pub fields: Vec<String>,
    pub sha256: String,
}

/// The start of one application: where to send the citizen, and what to
/// keep until they come back.
pub struct Begun {
    pub authorize_url: String,
    pub state: String,
    pub code_verifier: String,
}

pub struct ProviderClient {
    pub client_id: String,
    pub redirect_uri: String,
    platform: reqwest::Url,
    issuer: String,
    signer: JwsEs256Signer,
    decipher: Decipher,
    http: reqwest::Client,
}

/// The private half of the key packages are encrypted to.
enum Decipher {
    Ec(p256::SecretKey),
    Rsa(Box<rsa::RsaPrivateKey>),
}

impl ProviderClient {
    /// `platform` is where to reach the platform; `issuer` its public
    /// origin, as its metadata names it.
    pub fn new(
        client_id: &str,
        redirect_uri: &str,
        platform: reqwest::Url,
        issuer: &str,
    ) -> Result<Self, ClientError> {
        Ok(Self {
            client_id: client_id.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            platform,
            issuer: issuer.trim_end_matches('/').to_owned(),
            signer: JwsEs256Signer::generate_es256().map_err(ClientError::Jose)?,
            decipher: Decipher::Ec(p256::SecretKey::random(&mut rand::rngs::OsRng)),
            http: reqwest::Client::new(),
        })
    }

    /// A client with keys it keeps: `signing_der` (PKCS#8, P-256) signs its
    /// assertions; packages are encrypted to `encryption` (RSA-OAEP-256).
    pub fn with_keys(
        client_id: &str,
        redirect_uri: &str,
        platform: reqwest::Url,
        issuer: &str,
        signing_der: &[u8],
        encryption: rsa::RsaPrivateKey,
    ) -> Result<Self, ClientError> {
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(20))
            .build()?;
        Ok(Self {
            client_id: client_id.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            platform,
            issuer: issuer.trim_end_matches('/').to_owned(),
            signer: JwsEs256Signer::from_es256_der(signing_der).map_err(ClientError::Jose)?,
            decipher: Decipher::Rsa(Box::new(encryption)),
            http,
        })
    }

    /// A provider that holds only an RSA key for its packages (RSA-OAEP-256).
    pub fn with_rsa_encryption_key(mut self) -> Result<Self, ClientError> {
        let key = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048)
            .map_err(|e| ClientError::Package(e.to_string()))?;
        self.decipher = Decipher::Rsa(Box::new(key));
        Ok(self)
    }

    fn encryption_jwk(&self) -> Result<compact_jwt::Jwk, ClientError> {
        Ok(match &self.decipher {
            Decipher::Ec(key) => EncryptionKey::jwk(&key.public_key()),
            Decipher::Rsa(key) => {
                use rsa::traits::PublicKeyParts;
                compact_jwt::Jwk::RSA {
                    n: key.n().to_bytes_be(),
                    e: key.e().to_bytes_be(),
                    alg: None,
                    use_: None,
                    kid: None,
                }
            }
        })
    }

    /// The registration an operator would review: who asks (`about`:
    /// `name`, `purpose`, `terms_url`) and for which datasets' fields.
    pub fn registration<D: serde::Serialize>(
        &self,
        about: &Value,
        datasets: &D,
    ) -> Result<Value, ClientError> {
        let client_jwk = self.signer.public_key_as_jwk().map_err(ClientError::Jose)?;
        let mut registration = json!({
            "id": self.client_id,
            "redirect_uris": [self.redirect_uri],
            "datasets": datasets,
            "client_jwk": client_jwk,
            "encryption_jwk": self.encryption_jwk()?,
        });
        for key in ["name", "purpose", "terms_url"] {
            registration[key] = about[key].clone();
        }
        Ok(registration)
    }

    /// A PKCE pair and the URL the citizen's browser is sent to.
    pub fn begin(&self, scope: &str) -> Begun {
        let code_verifier = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(code_verifier.as_bytes()));
        let state = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>());
        let mut url = self.platform.clone();
        url.set_path("/oauth/authorize");
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", &self.redirect_uri)
            .append_pair("scope", scope)
            .append_pair("state", &state)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        Begun {
            authorize_url: url.to_string(),
            state,
            code_verifier,
        }
    }

    /// As [`Self::begin`], but the parameters are pushed first (RFC 9126)
    /// and the browser carries only `client_id` and `request_uri`.
    pub async fn push(&self, scope: &str) -> Result<Begun, ClientError> {
        self.push_for(scope, None).await
    }

    /// As [`Self::push`], bound to one citizen (`login_hint`, their ID
    /// number): the platform lets no one else answer the request. The hint
    /// travels only in the pushed body, never in the browser's address.
    pub async fn push_for(
        &self,
        scope: &str,
        login_hint: Option<&str>,
    ) -> Result<Begun, ClientError> {
        let begun = self.begin(scope);
        let mut form: Vec<(String, String)> = reqwest::Url::parse(&begun.authorize_url)
            .map_err(|e| ClientError::Package(e.to_string()))?
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        form.push((
            "client_assertion_type".into(),
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".into(),
        ));
        form.push(("client_assertion".into(), self.client_assertion()?));
        if let Some(hint) = login_hint {
            form.push(("login_hint".into(), hint.to_owned()));
        }
        let mut url = self.platform.clone();
        url.set_path("/oauth/par");
        let response = self.http.post(url).form(&form).send().await?;
        let status = response.status().as_u16();
        let body: Value = response.json().await?;
        let Some(request_uri) = body["request_uri"].as_str().filter(|_| status == 201) else {
            return Err(ClientError::Refused {
                status,
                body: body.to_string(),
            });
        };
        let mut authorize = self.platform.clone();
        authorize.set_path("/oauth/authorize");
        authorize
            .query_pairs_mut()
            .append_pair("client_id", &self.client_id)
            .append_pair("request_uri", request_uri);
        Ok(Begun {
            authorize_url: authorize.to_string(),
            ..begun
        })
    }

    /// A fresh `private_key_jwt` client assertion.
    pub fn client_assertion(&self) -> Result<String, ClientError> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let claims = json!({
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": format!("{}/oauth/token", self.issuer),
            "iat": now,
            "exp": now + 60,
            "jti": uuid::Uuid::new_v4().to_string(),
        });
        let jws = JwsBuilder::into_json(&claims)
            .map_err(|e| ClientError::Package(e.to_string()))?
            .set_typ(Some("JWT"))
            .build();
        let signed: JwsCompact = self.signer.sign(&jws).map_err(ClientError::Jose)?;
        Ok(signed.to_string())
    }

    /// Exchanges a code for an access token; the raw response on refusal.
    pub async fn token_response(
        &self,
        code: &str,
        code_verifier: &str,
    ) -> Result<reqwest::Response, ClientError> {
        self.post_token(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &self.redirect_uri),
            ("code_verifier", code_verifier),
        ])
        .await
    }

    /// A grant at the token endpoint, authenticated with a fresh assertion.
    async fn post_token(&self, grant: &[(&str, &str)]) -> Result<reqwest::Response, ClientError> {
        let assertion = self.client_assertion()?;
        let mut form = grant.to_vec();
        form.extend([
            ("client_id", self.client_id.as_str()),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", &assertion),
        ]);
        let mut url = self.platform.clone();
        url.set_path("/oauth/token");
        Ok(self.http.post(url).form(&form).send().await?)
    }

    /// The access token alone (see [`Self::tokens`]).
    pub async fn token(&self, code: &str, code_verifier: &str) -> Result<String, ClientError> {
        Ok(self.tokens(code, code_verifier).await?.0)
    }

    /// Uses a standing consent's refresh token: a new transfer.
    pub async fn refresh_response(
        &self,
        refresh_token: &str,
    ) -> Result<reqwest::Response, ClientError> {
        self.post_token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])
        .await
    }

    /// A new access token (and the rotated refresh token) from a standing
    /// consent.
    pub async fn refresh(&self, refresh_token: &str) -> Result<(String, String), ClientError> {
        let response = self.refresh_response(refresh_token).await?;
        let status = response.status().as_u16();
        let body: Value = response.json().await?;
        match (
            body["access_token"].as_str(),
            body["refresh_token"].as_str(),
        ) {
            (Some(access), Some(refresh)) if status == 200 => {
                Ok((access.to_owned(), refresh.to_owned()))
            }
            _ => Err(ClientError::Refused {
                status,
                body: body.to_string(),
            }),
        }
    }

    /// The access token and, for a standing consent, its refresh token.
    pub async fn tokens(
        &self,
        code: &str,
        code_verifier: &str,
    ) -> Result<(String, Option<String>), ClientError> {
        let response = self.token_response(code, code_verifier).await?;
        let status = response.status().as_u16();
        let body: Value = response.json().await?;
        match body["access_token"].as_str() {
            Some(token) if status == 200 => Ok((
                token.to_owned(),
                body["refresh_token"].as_str().map(str::to_owned),
            )),
            _ => Err(ClientError::Refused {
                status,
                body: body.to_string(),
            }),
        }
    }

    /// The encrypted package as the platform sends it.
    pub async fn fetch_package(&self, access_token: &str) -> Result<String, ClientError> {
        let mut url = self.platform.clone();
        url.set_path("/api/transfer/package");
        let response = self.http.get(url).bearer_auth(access_token).send().await?;
        let status = response.status().as_u16();
        let body = response.text().await?;
        if status != 200 {
            return Err(ClientError::Refused { status, body });
        }
        Ok(body)
    }

    /// At the counter: redeems a citizen's ticket (the barcode's id and the
    /// code they say) for the package; the raw response, refusals included.
    pub async fn redeem_ticket(
        &self,
        ticket_id: &str,
        code: &str,
    ) -> Result<reqwest::Response, ClientError> {
        let mut url = self.platform.clone();
        url.set_path("/api/counter/redeem");
        Ok(self
            .http
            .post(url)
            .json(&json!({
                "client_id": self.client_id,
                "client_assertion": self.client_assertion()?,
                "ticket_id": ticket_id,
                "code": code,
            }))
            .send()
            .await?)
    }

    /// The signed package inside the encryption (a compact JWS).
    pub fn decrypt(&self, jwe: &str) -> Result<String, ClientError> {
        let plain = match &self.decipher {
            Decipher::Ec(key) => crate::services::ecdh_jwe::decrypt(key, jwe)
                .map_err(|e| ClientError::Package(e.to_string()))?,
            Decipher::Rsa(key) => crate::services::rsa_jwe::decrypt(key, jwe)
                .map_err(|e| ClientError::Package(e.to_string()))?,
        };
        String::from_utf8(plain).map_err(|e| ClientError::Package(e.to_string()))
    }

    /// Decrypts with this provider's key, verifies the platform's signature
    /// against its published JWKS, and checks audience and manifest.
    pub async fn open_package(&self, jwe: &str) -> Result<Package, ClientError> {
        let signed = self.decrypt(jwe)?;
        let mut url = self.platform.clone();
        url.set_path("/.well-known/jwks.json");
        let jwks: JwkKeySet = self.http.get(url).send().await?.json().await?;
        let jws: JwsCompact = signed.parse().map_err(ClientError::Jose)?;
        let verified = jwks
            .keys
            .iter()
            .filter_map(|jwk| JwsEs256Verifier::try_from(jwk).ok())
            .find_map(|verifier| verifier.verify(&jws).ok())
            .ok_or_else(|| {
                ClientError::Package("the platform's signature does not verify".into())
            })?;
        let package: Package = verified
            .from_json()
            .map_err(|e| ClientError::Package(e.to_string()))?;
        if package.aud != self.client_id || package.iss != self.issuer {
            return Err(ClientError::Package(
                "the package is not addressed to this provider".into(),
            ));
        }
        for entry in &package.manifest {
            let record = package
                .records
                .get(&entry.dataset)
                .ok_or_else(|| ClientError::Package(format!("{} is missing", entry.dataset)))?;
            let bytes =
                serde_json::to_vec(record).map_err(|e| ClientError::Package(e.to_string()))?;
            if hex::encode(Sha256::digest(&bytes)) != entry.sha256 {
                return Err(ClientError::Package(format!(
                    "{} does not match its digest",
                    entry.dataset
                )));
            }
        }
        Ok(package)
    }
}
