//! Writes the TEST-ONLY certificate authority of `datasets/pki/`: a root, an
//! issuing CA, its CRL, a citizen-card certificate and key for every adult
//! synthetic citizen, and the deliberately bad certificates the tests need.
//!
//! `cargo run --example test_pki` rewrites everything (new keys), so run it
//! only when the layout changes; the tests read the committed files.
//!
//! Subjects follow the shape of Taiwan's MOICA citizen certificates: the
//! citizen's name as CN and, in `serialNumber`, the last four digits of the
//! ID number followed by twelve more digits, so the certificate alone never
//! discloses the ID number.

use std::fs;
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, DistinguishedName,
    DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose,
    PKCS_ECDSA_P256_SHA256, RevocationReason, RevokedCertParams, SerialNumber, date_time_ymd,
};

type Failure = Box<dyn std::error::Error>;

const SERIAL_NUMBER_OID: &[u64] = &[2, 5, 4, 5];

fn name(common: &str, serial: Option<&str>) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "TW");
    if serial.is_none() {
        dn.push(DnType::OrganizationName, "MyData Navigator TEST PKI");
    }
    dn.push(DnType::CommonName, common);
    if let Some(serial) = serial {
        dn.push(DnType::CustomDnType(SERIAL_NUMBER_OID.to_vec()), serial);
    }
    dn
}

fn ca_params(common: &str, path_len: u8, serial: u64) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = name(common, None);
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(path_len));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.not_before = date_time_ymd(2020, 1, 1);
    params.not_after = date_time_ymd(2045, 1, 1);
    params.serial_number = Some(SerialNumber::from(serial));
    params.use_authority_key_identifier_extension = true;
    params
}

struct Card<'a> {
    holder: &'a str,
    national_id: &'a str,
    serial: u64,
    from: (i32, u8, u8),
    until: (i32, u8, u8),
    usages: Vec<KeyUsagePurpose>,
}

fn card_params(card: &Card) -> CertificateParams {
    let last_four = &card.national_id[card.national_id.len() - 4..];
    let subject_serial = format!("{last_four}{:012}", card.serial);
    let mut params = CertificateParams::default();
    params.distinguished_name = name(card.holder, Some(&subject_serial));
    params.key_usages = card.usages.clone();
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    params.not_before = date_time_ymd(card.from.0, card.from.1, card.from.2);
    params.not_after = date_time_ymd(card.until.0, card.until.1, card.until.2);
    params.serial_number = Some(SerialNumber::from(card.serial));
    params.use_authority_key_identifier_extension = true;
    params
}

fn write(path: &Path, text: &str) -> Result<(), Failure> {
    fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()).into())
}

const KEY_WARNING: &str = "# TEST ONLY: this private key is public. Never trust it.\n";

fn issue(dir: &Path, stem: &str, card: &Card, issuer: &Issuer<'_, KeyPair>) -> Result<(), Failure> {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
    let cert = card_params(card).signed_by(&key, issuer)?;
    write(&dir.join(format!("{stem}.cert.pem")), &cert.pem())?;
    write(
        &dir.join(format!("{stem}.key.pem")),
        &format!("{KEY_WARNING}{}", key.serialize_pem()),
    )
}

fn adults(citizens: &Path) -> Result<Vec<(String, String, String)>, Failure> {
    let mut found = Vec::new();
    for entry in fs::read_dir(citizens)? {
        let path = entry?.path();
        if path.extension().is_none_or(|ext| ext != "json") {
            continue;
        }
        let citizen: serde_json::Value = serde_json::from_str(&fs::read_to_string(&path)?)?;
        let text = |pointer: &str| {
            citizen
                .pointer(pointer)
                .and_then(|v| v.as_str())
                .map(str::to_owned)
                .ok_or_else(|| format!("{}: no {pointer}", path.display()))
        };
        let birth = text("/records/household.registration/birth_date")?;
        // MOICA issues cards from 18; the synthetic world is dated 2026.
        if birth.as_str() <= "2008-11-01" {
            found.push((
                text("/id")?,
                text("/identity/name")?,
                text("/identity/national_id")?,
            ));
        }
    }
    found.sort();
    Ok(found)
}

fn main() -> Result<(), Failure> {
    let root_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("datasets");
    let pki = root_dir.join("pki");
    let cards = pki.join("cards");
    let bad = pki.join("bad-cards");
    for dir in [&pki, &cards, &bad] {
        fs::create_dir_all(dir)?;
    }

    let root_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
    let root_params = ca_params("MyData Navigator TEST Root CA", 1, 1);
    let root_cert = root_params.self_signed(&root_key)?;
    write(&pki.join("root-ca.cert.pem"), &root_cert.pem())?;
    write(
        &pki.join("root-ca.key.pem"),
        &format!("{KEY_WARNING}{}", root_key.serialize_pem()),
    )?;
    let root = Issuer::new(root_params, root_key);

    let issuing_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
    let issuing_params = ca_params("MyData Navigator TEST Citizen CA", 0, 2);
    let issuing_cert = issuing_params.signed_by(&issuing_key, &root)?;
    write(&pki.join("issuing-ca.cert.pem"), &issuing_cert.pem())?;
    write(
        &pki.join("issuing-ca.key.pem"),
        &format!("{KEY_WARNING}{}", issuing_key.serialize_pem()),
    )?;
    let issuing = Issuer::new(issuing_params, issuing_key);

    let people = adults(&root_dir.join("citizens"))?;
    let usual = || {
        vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::ContentCommitment,
        ]
    };
    for (index, (id, holder, national_id)) in people.iter().enumerate() {
        let card = Card {
            holder,
            national_id,
            serial: 1000 + index as u64,
            from: (2025, 1, 1),
            until: (2030, 1, 1),
            usages: usual(),
        };
        issue(&cards, id, &card, &issuing)?;
    }

    // The bad cards borrow the first citizens' identities.
    let pick = |i: usize| -> Result<&(String, String, String), Failure> {
        people.get(i).ok_or_else(|| "too few adult citizens".into())
    };
    let (id, holder, national_id) = pick(0)?;
    let expired = Card {
        holder,
        national_id,
        serial: 9001,
        from: (2019, 1, 1),
        until: (2024, 1, 1),
        usages: usual(),
    };
    issue(&bad, &format!("expired-{id}"), &expired, &issuing)?;

    let (id, holder, national_id) = pick(1)?;
    let revoked = Card {
        holder,
        national_id,
        serial: 9002,
        from: (2025, 1, 1),
        until: (2030, 1, 1),
        usages: usual(),
    };
    issue(&bad, &format!("revoked-{id}"), &revoked, &issuing)?;

    // A card's encryption certificate: valid, but not for signing in.
    let (id, holder, national_id) = pick(2)?;
    let encryption_only = Card {
        holder,
        national_id,
        serial: 9003,
        from: (2025, 1, 1),
        until: (2030, 1, 1),
        usages: vec![KeyUsagePurpose::KeyEncipherment],
    };
    issue(
        &bad,
        &format!("encryption-only-{id}"),
        &encryption_only,
        &issuing,
    )?;

    // A CA that copies the real one's name but is trusted by nobody.
    let rogue_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
    let rogue = Issuer::new(
        ca_params("MyData Navigator TEST Citizen CA", 0, 3),
        rogue_key,
    );
    let (id, holder, national_id) = pick(3)?;
    let forged = Card {
        holder,
        national_id,
        serial: 1003,
        from: (2025, 1, 1),
        until: (2030, 1, 1),
        usages: usual(),
    };
    issue(&bad, &format!("rogue-issuer-{id}"), &forged, &rogue)?;

    let crl = CertificateRevocationListParams {
        this_update: date_time_ymd(2026, 11, 1),
        // Long-lived because nobody re-signs a test CRL; a real one lasts days.
        next_update: date_time_ymd(2036, 1, 1),
        crl_number: SerialNumber::from(1u64),
        issuing_distribution_point: None,
        revoked_certs: vec![RevokedCertParams {
            serial_number: SerialNumber::from(9002u64),
            revocation_time: date_time_ymd(2026, 6, 1),
            reason_code: Some(RevocationReason::KeyCompromise),
            invalidity_date: None,
        }],
        key_identifier_method: KeyIdMethod::Sha256,
    }
    .signed_by(&issuing)?;
    write(&pki.join("issuing-ca.crl.pem"), &crl.pem()?)?;
    println!(
        "wrote {} citizen cards and 4 bad ones under {}",
        people.len(),
        pki.display()
    );
    Ok(())
}
