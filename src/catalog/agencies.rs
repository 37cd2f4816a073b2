//! Who may publish what (issue 17: a private job bank published
//! `mohw.emergency_cash_grant`). A service id is `<namespace>.<name>`; an
//! agency creates services only in its own namespaces: its own id, and
//! those the platform's curated catalogue gives it in its file's header
//! (`mol.bli` also publishes `bli.*`). Services already published keep
//! their ids. And an agency is one kind of provider (public, ngo,
//! private), as the operator said when issuing its token, else as the
//! curated catalogue shows it, else private: it publishes services of
//! that kind only, so a private provider cannot present itself as a public
//! agency.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use super::{Catalog, Service};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProviderType {
    Public,
    Ngo,
    Private,
}

impl ProviderType {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "public" => Some(Self::Public),
            "ngo" => Some(Self::Ngo),
            "private" => Some(Self::Private),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Ngo => "ngo",
            Self::Private => "private",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgencyError {
    #[error("{id}: a service id is <namespace>.<name>, the name of a-z, 0-9 and _")]
    MalformedId { id: String },
    #[error(
        "{id}: not in a namespace of {agency}; its new services' ids begin with {}",
        .namespaces.iter().map(|n| format!("{n}.")).collect::<Vec<_>>().join(" or ")
    )]
    NotItsNamespace {
        id: String,
        agency: String,
        namespaces: Vec<String>,
    },
    #[error(
        "{id}: {agency} is a {} provider and cannot publish a service as provider_type {claimed}",
        .kind.as_str()
    )]
    NotItsKind {
        id: String,
        agency: String,
        kind: ProviderType,
        claimed: String,
    },
}

/// What the curated catalogue says of an agency.
#[derive(Debug, Clone, Default)]
struct Curated {
    namespaces: Vec<String>,
    kind: Option<ProviderType>,
}

/// Read once from the catalogue compiled into the binary.
static CURATED: LazyLock<BTreeMap<String, Curated>> = LazyLock::new(|| match Catalog::embedded() {
    Ok(catalog) => curated(&catalog),
    Err(error) => {
        tracing::error!(%error, "the embedded catalogue does not load; no curated agencies");
        BTreeMap::new()
    }
});

fn curated(catalog: &Catalog) -> BTreeMap<String, Curated> {
    let mut agencies: BTreeMap<String, Curated> = catalog
        .namespaces
        .iter()
        .map(|(agency, namespaces)| {
            let entry = Curated {
                namespaces: namespaces.clone(),
                kind: None,
            };
            (agency.clone(), entry)
        })
        .collect();
    for service in &catalog.services {
        let Some(agency) = catalog.agencies.get(&service.id) else {
            continue;
        };
        // One kind per agency; an agency whose services differ counts as
        // the least trusted of them.
        let kind = ProviderType::parse(&service.provider_type).unwrap_or(ProviderType::Private);
        let entry = agencies.entry(agency.clone()).or_default();
        entry.kind = Some(entry.kind.map_or(kind, |k| k.max(kind)));
    }
    agencies
}

/// The kind of provider an agency is taken to be when the operator did
/// not say: as the curated catalogue shows it, else private.
pub fn default_kind(agency: &str) -> ProviderType {
    CURATED
        .get(agency)
        .and_then(|c| c.kind)
        .unwrap_or(ProviderType::Private)
}

/// An agency as the catalogue API knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyProfile {
    pub id: String,
    pub kind: ProviderType,
    /// Its own id first.
    pub namespaces: Vec<String>,
}

impl AgencyProfile {
    /// `stated` is what the operator said when issuing the token.
    pub fn new(id: &str, stated: Option<&str>) -> Self {
        let curated = CURATED.get(id).cloned().unwrap_or_default();
        let mut namespaces = vec![id.to_owned()];
        namespaces.extend(curated.namespaces.into_iter().filter(|n| n != id));
        Self {
            id: id.to_owned(),
            kind: stated
                .and_then(ProviderType::parse)
                .unwrap_or_else(|| default_kind(id)),
            namespaces,
        }
    }

    /// Whether the agency may create a service of this id.
    pub fn may_create(&self, id: &str) -> Result<(), AgencyError> {
        let malformed = || AgencyError::MalformedId { id: id.to_owned() };
        let (namespace, name) = id.rsplit_once('.').ok_or_else(malformed)?;
        let name_ok = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if namespace.is_empty() || !name_ok {
            return Err(malformed());
        }
        if !self.namespaces.iter().any(|n| n == namespace) {
            return Err(AgencyError::NotItsNamespace {
                id: id.to_owned(),
                agency: self.id.clone(),
                namespaces: self.namespaces.clone(),
            });
        }
        Ok(())
    }

    /// Whether the agency may publish `service` as the kind it claims.
    pub fn may_publish(&self, service: &Service) -> Result<(), AgencyError> {
        if ProviderType::parse(&service.provider_type) == Some(self.kind) {
            return Ok(());
        }
        Err(AgencyError::NotItsKind {
            id: service.id.clone(),
            agency: self.id.clone(),
            kind: self.kind,
            claimed: service.provider_type.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_agency_creates_only_in_its_namespaces() {
        let bli = AgencyProfile::new("mol.bli", None);
        assert_eq!(bli.namespaces, ["mol.bli", "bli"]);
        assert_eq!(bli.kind, ProviderType::Public);
        assert!(bli.may_create("bli.new_benefit").is_ok());
        assert!(bli.may_create("mol.bli.new_benefit").is_ok());
        assert!(bli.may_create("wda.new_training").is_err());
        assert!(
            bli.may_create("mol.bli.x.y").is_err(),
            "a sub-agency's namespace"
        );
        assert!(bli.may_create("bli.").is_err());
        assert!(bli.may_create("bli.Upper").is_err());

        let job104 = AgencyProfile::new("job104", None);
        assert_eq!(job104.kind, ProviderType::Private);
        let refused = job104.may_create("mohw.emergency_cash_grant").unwrap_err();
        assert!(refused.to_string().contains("job104."), "{refused}");
        let stranger = AgencyProfile::new("newcomer", None);
        assert_eq!(stranger.kind, ProviderType::Private);
        assert_eq!(
            AgencyProfile::new("newcomer", Some("ngo")).kind,
            ProviderType::Ngo
        );
    }

    #[test]
    fn curated_namespaces_belong_to_one_agency_each() {
        let catalog = Catalog::embedded().unwrap();
        let agencies = curated(&catalog);
        let mut owner = BTreeMap::new();
        for (agency, curated) in &agencies {
            for namespace in std::iter::once(agency).chain(&curated.namespaces) {
                if let Some(other) = owner.insert(namespace.clone(), agency.clone()) {
                    assert_eq!(&other, agency, "{namespace} is given twice");
                }
            }
            assert!(curated.kind.is_some(), "{agency}");
        }
    }
}
