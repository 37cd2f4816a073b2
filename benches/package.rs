//! Sealing a package as the platform does for every transfer (sign the
//! records with the platform's ES256 key, then encrypt to the provider's
//! key: ECDH-ES+A256KW or RSA-OAEP-256, content A256GCM) and opening it as
//! a provider does. The records are one synthetic citizen's full set.

use std::collections::BTreeMap;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mydata_navigator::citizens::CitizenDirectory;
use mydata_navigator::provider_client::ProviderClient;
use mydata_navigator::services::{EncryptionKey, encryption_key};
use mydata_navigator::spec::DatasetRegistry;
use mydata_navigator::transfer::PlatformKey;
use serde_json::{Value, json};

fn provider(rsa: bool) -> (ProviderClient, EncryptionKey) {
    let platform = "http://127.0.0.1:9/".parse().expect("url");
    let client = ProviderClient::new("bench-bank", "http://127.0.0.1:9/cb", platform, "bench")
        .expect("client");
    let client = if rsa {
        client.with_rsa_encryption_key().expect("rsa key")
    } else {
        client
    };
    let datasets: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let about = json!({"name": "bench", "purpose": "bench", "terms_url": "http://127.0.0.1:9/"});
    let registration = client
        .registration(&about, &datasets)
        .expect("registration");
    let jwk = serde_json::from_value(registration["encryption_jwk"].clone()).expect("jwk");
    let key = encryption_key(&jwk).expect("encryption key");
    (client, key)
}

fn package(c: &mut Criterion) {
    let registry = DatasetRegistry::embedded().expect("registry");
    let citizens = CitizenDirectory::embedded(&registry).expect("citizens");
    let citizen = citizens.iter().next().expect("a citizen");
    let body = json!({
        "iss": "bench",
        "aud": "bench-bank",
        "subject": citizen.identity.national_id,
        "records": Value::Object(citizen.records.clone().into_iter().collect()),
    });
    let dir = tempfile::tempdir().expect("temp dir");
    let platform_key =
        PlatformKey::load_or_create(&dir.path().join("platform.der")).expect("platform key");
    let size = serde_json::to_vec(&body).map_or(0, |b| b.len());

    let mut group = c.benchmark_group("package");
    group.throughput(Throughput::Bytes(size as u64));
    for (name, rsa) in [("ecdh_es", false), ("rsa_oaep_256", true)] {
        let (client, key) = provider(rsa);
        group.bench_function(format!("seal_{name}"), |b| {
            b.iter(|| {
                let signed = platform_key
                    .sign("mydata-package+jwt", &body)
                    .expect("sign");
                key.encrypt(signed.as_bytes(), "JWT").expect("encrypt")
            })
        });
        let signed = platform_key
            .sign("mydata-package+jwt", &body)
            .expect("sign");
        let sealed = key.encrypt(signed.as_bytes(), "JWT").expect("encrypt");
        group.bench_function(format!("open_{name}"), |b| {
            b.iter(|| client.decrypt(&sealed).expect("decrypt"))
        });
    }
    group.finish();
    println!("package body: {size} bytes of JSON");
}

criterion_group!(benches, package);
criterion_main!(benches);
