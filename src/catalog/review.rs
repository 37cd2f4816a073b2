//! Which changes an operator reviews before they are public. Every new
//! service is; a change to a published service is published at once
//! unless it touches what a fraud would: where citizens are sent (a phone
//! number or web address not in the reviewed version, the channels), who
//! the service says it comes from (`source`, `provider_type`), or whether
//! it is tagged for a crisis need. Then it waits, and the reviewed
//! version keeps serving.

use std::collections::BTreeSet;

use super::{Localised, Service};

/// The reason a new service waits.
pub const NEW_SERVICE: &str = "a new service is reviewed before it is public";

/// Needs whose services a person in crisis is shown.
const CRISIS_NEEDS: [&str; 2] = ["mental_health", "domestic_violence"];

/// Why `proposed` must wait for review, in words; empty when it may be
/// published at once over `reviewed`.
pub fn risks(reviewed: &Service, proposed: &Service) -> Vec<String> {
    let mut risks = Vec::new();
    if reviewed.provider_type != proposed.provider_type {
        risks.push("provider_type changed".to_owned());
    }
    if reviewed.source != proposed.source {
        risks.push("source changed".to_owned());
    }
    let channels = |s: &Service| s.channels.iter().cloned().collect::<BTreeSet<_>>();
    if channels(reviewed) != channels(proposed) {
        risks.push("channels changed".to_owned());
    }
    let crisis = |s: &Service| {
        s.needs
            .iter()
            .filter(|n| CRISIS_NEEDS.contains(&n.as_str()))
            .cloned()
            .collect::<BTreeSet<_>>()
    };
    if crisis(reviewed) != crisis(proposed) {
        risks.push("crisis-related needs changed".to_owned());
    }
    let before = contacts(reviewed);
    let new: Vec<String> = contacts(proposed).difference(&before).cloned().collect();
    if !new.is_empty() {
        risks.push(format!("new contact details: {}", new.join(", ")));
    }
    risks
}

/// Web addresses anywhere in the service's texts, and phone-like numbers
/// (three digits or more, `-` and spaces between them ignored) in the
/// texts that tell a citizen where to turn: the name, the summary, how
/// to apply and the facts (where, documents, phone, notes).
fn contacts(service: &Service) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let texts = |l: &Localised| [l.zh_tw.clone(), l.en.clone()];
    let mut everything: Vec<String> = [
        &service.name,
        &service.summary,
        &service.how_to_apply,
        &service.benefit,
    ]
    .into_iter()
    .flat_map(texts)
    .collect();
    everything.extend(service.to_confirm.iter().flat_map(texts));
    everything.extend(service.facts.texts().into_iter().flat_map(texts));
    everything.extend(service.other.values().map(|v| v.to_string()));
    for text in &everything {
        found.extend(addresses(text));
    }
    let facts = &service.facts;
    for text in [&service.name, &service.summary, &service.how_to_apply]
        .into_iter()
        .chain(facts.r#where.as_ref())
        .chain(facts.documents.as_ref())
        .chain(&facts.notes)
        .flat_map(texts)
        .chain(facts.phone.clone())
    {
        found.extend(numbers(&text));
    }
    found
}

fn addresses(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || "()（）<>\"'，。、".contains(c))
        .filter(|word| {
            let lower = word.to_ascii_lowercase();
            lower.contains("http://") || lower.contains("https://") || lower.contains("www.")
        })
        .map(|word| word.trim_end_matches(['.', ',', ';']).to_ascii_lowercase())
        .collect()
}

/// Digit runs of three or more joined over `-` and spaces: phone numbers.
/// Amounts are left out: a run after `$`, joined over `,` or `.`, or
/// followed by 元, 萬 or %.
fn numbers(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut run = String::new();
    let mut amount = false;
    let mut previous = ' ';
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            if run.is_empty() {
                amount = previous == '$';
            }
            run.push(c);
            previous = c;
            continue;
        }
        let between = !run.is_empty() && chars.peek().is_some_and(char::is_ascii_digit);
        if between && matches!(c, '-' | ' ' | ',' | '.') {
            amount |= matches!(c, ',' | '.');
            previous = c;
            continue;
        }
        amount |= matches!(c, '元' | '萬' | '%');
        if run.len() >= 3 && !amount {
            found.push(run.clone());
        }
        run.clear();
        previous = c;
    }
    if run.len() >= 3 && !amount {
        found.push(run);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    fn hotline() -> Service {
        Catalog::embedded()
            .unwrap()
            .service("mohw.hotline_1925")
            .unwrap()
            .clone()
    }

    #[test]
    fn a_plain_edit_is_not_risky() {
        let reviewed = hotline();
        let mut edited = reviewed.clone();
        edited.summary.en.push_str(" Free of charge.");
        edited.benefit.zh_tw = "免費諮詢 2026 年起".into();
        assert!(
            risks(&reviewed, &edited).is_empty(),
            "{:?}",
            risks(&reviewed, &edited)
        );
    }

    #[test]
    fn new_contacts_and_claims_are_risky() {
        let reviewed = hotline();
        let mut phished = reviewed.clone();
        phished.how_to_apply.zh_tw = "請撥 0800-123-456 或至 https://example.com/form 登記".into();
        let found = risks(&reviewed, &phished);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("0800123456") && found[0].contains("https://example.com/form"));

        let mut rephoned = reviewed.clone();
        rephoned.facts.phone = Some("0800-123-456".into());
        let found = risks(&reviewed, &rephoned);
        assert!(
            found.iter().any(|r| r.contains("0800123456")),
            "a phone number in the facts is a new contact: {found:?}"
        );

        let mut claimed = reviewed.clone();
        claimed.source = "衛生福利部".into();
        claimed.needs.retain(|n| n != "mental_health");
        claimed.channels.push("counter".into());
        assert_eq!(risks(&reviewed, &claimed).len(), 3);
    }

    #[test]
    fn numbers_join_over_dashes_and_spaces_only() {
        assert_eq!(
            numbers("撥打1925或 02-2345 6789，NT$3,000、NT$500、1.5倍、4000元"),
            ["1925", "0223456789"]
        );
    }
}
