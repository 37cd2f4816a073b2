//! What the server trusts and how a card's certificate and signature are
//! judged against it, with `rustls-webpki` doing the path building,
//! validity and revocation checks and `x509-parser` reading the subject.

use std::time::Duration;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, CertificateRevocationListDer, TrustAnchor, UnixTime};
use webpki::{
    CertRevocationList, EndEntityCert, ExpirationPolicy, KeyUsage, OwnedCertRevocationList,
    RevocationCheckDepth, RevocationOptionsBuilder, UnknownStatusPolicy,
};
use x509_parser::oid_registry::{OID_X509_COMMON_NAME, OID_X509_SERIALNUMBER, Oid};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::spec::EmbeddedData;

#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("{what}: {problem}")]
    Pem { what: &'static str, problem: String },
    #[error("{what}: none found")]
    Empty { what: &'static str },
    #[error("{what}: {problem:?}")]
    Invalid {
        what: &'static str,
        problem: webpki::Error,
    },
    #[error("the embedded test PKI lacks {0}")]
    MissingEmbedded(&'static str),
}

/// Why a card was refused; each says what the citizen can do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("the certificate could not be read")]
    Malformed,
    #[error("the certificate was not issued by a trusted certificate authority")]
    UntrustedIssuer,
    #[error("the certificate has expired")]
    Expired,
    #[error("the certificate is not valid yet")]
    NotYetValid,
    #[error("the certificate has been revoked")]
    Revoked,
    #[error("the certificate's revocation status cannot be established")]
    RevocationUnknown,
    #[error("this certificate is not meant for signing in (use the card's signature certificate)")]
    WrongKeyUsage,
    #[error("the signature does not match the certificate and challenge")]
    BadSignature,
    #[error("the certificate does not belong to this ID number")]
    OtherHolder,
}

/// The card holder as the certificate names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardHolder {
    pub name: String,
    /// The subject's `serialNumber`: four ID digits, then the CA's own.
    pub subject_serial: String,
}

impl CardHolder {
    pub fn id_last_four(&self) -> &str {
        self.subject_serial.get(..4).unwrap_or("")
    }
}

/// Trust anchors, intermediate CAs and CRLs, parsed once at start-up.
#[derive(Debug)]
pub struct CardTrust {
    anchors: Vec<TrustAnchor<'static>>,
    intermediates: Vec<CertificateDer<'static>>,
    crls: Vec<CertRevocationList<'static>>,
    crls_der: Vec<CertificateRevocationListDer<'static>>,
}

fn certificates(
    what: &'static str,
    pem: &[u8],
) -> Result<Vec<CertificateDer<'static>>, TrustError> {
    CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| TrustError::Pem {
            what,
            problem: e.to_string(),
        })
}

impl CardTrust {
    /// From PEM text: root certificates, issuing CA certificates, CRLs.
    pub fn from_pem(anchors: &[u8], intermediates: &[u8], crls: &[u8]) -> Result<Self, TrustError> {
        let roots = certificates("trust anchors", anchors)?;
        if roots.is_empty() {
            return Err(TrustError::Empty {
                what: "trust anchors",
            });
        }
        let anchors = roots
            .iter()
            .map(|der| {
                webpki::anchor_from_trusted_cert(der)
                    .map(|anchor| anchor.to_owned())
                    .map_err(|problem| TrustError::Invalid {
                        what: "trust anchor",
                        problem,
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let crls_der = CertificateRevocationListDer::pem_slice_iter(crls)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| TrustError::Pem {
                what: "CRLs",
                problem: e.to_string(),
            })?;
        if crls_der.is_empty() {
            // Without a CRL nothing could be shown to be unrevoked.
            return Err(TrustError::Empty { what: "CRLs" });
        }
        let crls = crls_der
            .iter()
            .map(|der| {
                OwnedCertRevocationList::from_der(der)
                    .map(CertRevocationList::from)
                    .map_err(|problem| TrustError::Invalid {
                        what: "CRL",
                        problem,
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            anchors,
            intermediates: certificates("intermediate CAs", intermediates)?,
            crls,
            crls_der,
        })
    }

    /// The TEST certificate authority of `datasets/pki/`. Its private keys
    /// are public: fit for tests and demonstrations only.
    pub fn embedded_test_pki() -> Result<Self, TrustError> {
        let file = |name: &'static str| {
            EmbeddedData::get(name)
                .map(|file| file.data.into_owned())
                .ok_or(TrustError::MissingEmbedded(name))
        };
        Self::from_pem(
            &file("pki/root-ca.cert.pem")?,
            &file("pki/issuing-ca.cert.pem")?,
            &file("pki/issuing-ca.crl.pem")?,
        )
    }

    /// The CRLs as published, DER-encoded.
    pub fn published_crls(&self) -> &[CertificateRevocationListDer<'static>] {
        &self.crls_der
    }

    /// Checks `certificate` (DER) at `now_ms` and that it signed `challenge`.
    pub fn verify(
        &self,
        certificate: &[u8],
        challenge: &[u8],
        signature: &[u8],
        now_ms: i64,
    ) -> Result<CardHolder, Rejection> {
        let der = CertificateDer::from(certificate);
        let cert = EndEntityCert::try_from(&der).map_err(|_| Rejection::Malformed)?;
        let crl_refs: Vec<&CertRevocationList<'_>> = self.crls.iter().collect();
        let revocation = RevocationOptionsBuilder::new(&crl_refs)
            .map_err(|_| Rejection::RevocationUnknown)?
            .with_depth(RevocationCheckDepth::EndEntity)
            .with_status_policy(UnknownStatusPolicy::Deny)
            .with_expiration_policy(ExpirationPolicy::Enforce)
            .build();
        let now =
            UnixTime::since_unix_epoch(Duration::from_millis(u64::try_from(now_ms).unwrap_or(0)));
        cert.verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            &self.anchors,
            &self.intermediates,
            now,
            KeyUsage::client_auth(),
            Some(revocation),
            None,
        )
        .map_err(rejection)?;
        let (_, parsed) =
            X509Certificate::from_der(certificate).map_err(|_| Rejection::Malformed)?;
        let signs = parsed
            .key_usage()
            .ok()
            .flatten()
            .is_some_and(|usage| usage.value.digital_signature());
        if !signs {
            return Err(Rejection::WrongKeyUsage);
        }
        let signed = webpki::ALL_VERIFICATION_ALGS
            .iter()
            .any(|alg| cert.verify_signature(*alg, challenge, signature).is_ok());
        if !signed {
            return Err(Rejection::BadSignature);
        }
        let subject_serial =
            subject_attribute(&parsed, &OID_X509_SERIALNUMBER).ok_or(Rejection::Malformed)?;
        let name = subject_attribute(&parsed, &OID_X509_COMMON_NAME).ok_or(Rejection::Malformed)?;
        let four_digits =
            subject_serial.len() >= 4 && subject_serial.bytes().take(4).all(|b| b.is_ascii_digit());
        if !four_digits {
            return Err(Rejection::Malformed);
        }
        Ok(CardHolder {
            name,
            subject_serial,
        })
    }
}

fn subject_attribute(cert: &X509Certificate<'_>, oid: &Oid<'_>) -> Option<String> {
    cert.subject()
        .iter_by_oid(oid)
        .next()
        .and_then(|attr| attr.as_str().ok())
        .map(str::to_owned)
}

fn rejection(error: webpki::Error) -> Rejection {
    use webpki::Error as E;
    match error {
        E::CertExpired { .. } => Rejection::Expired,
        E::CertNotValidYet { .. } => Rejection::NotYetValid,
        E::CertRevoked => Rejection::Revoked,
        E::UnknownRevocationStatus | E::CrlExpired { .. } => Rejection::RevocationUnknown,
        E::RequiredEkuNotFoundContext(_) => Rejection::WrongKeyUsage,
        E::BadDer | E::BadDerTime | E::TrailingData(_) => Rejection::Malformed,
        _ => Rejection::UntrustedIssuer,
    }
}
