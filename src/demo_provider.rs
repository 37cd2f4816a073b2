//! A sample service provider — a bank's online credit-card application —
//! built on [`crate::provider_client`]. The integration tests drive the
//! platform through it, as a real bank would.

use serde_json::{Value, json};

pub use crate::provider_client::{
    Begun, ClientError as DemoError, ManifestEntry, Package, ProviderClient as DemoProvider,
};

/// Who the bank says it is and why it asks, as its registration states.
pub fn bank() -> Value {
    json!({
        "name": {"zh-TW": "示範銀行 信用卡線上申辦", "en": "Demo Bank online credit-card application"},
        "purpose": {
            "zh-TW": "信用卡申請之財力與身分審核",
            "en": "Checking identity and income for a credit-card application",
        },
        "terms_url": "https://bank.example/terms",
    })
}
