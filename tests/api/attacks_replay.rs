//! Replaying the assistant's return from the consent screens: once the
//! answer was taken, the same URL, with the citizen's own session or
//! another's, fetches nothing and keeps nothing twice. And the
//! conversation that now holds records stays the citizen's alone.

use mydata_navigator::store::Backend;
use serde_json::json;

use crate::assistant_consent::{LAID_OFF, ask_consent, back_to, citizen, consent_path};
use crate::helpers::{TestApp, on_both_stores, post_patiently, spawn_app};
use crate::session::{get_with_cookie, post_with_cookie};
use crate::transfer::substantial;

on_both_stores!(a_consent_answer_works_once_and_for_its_citizen_only);

/// Everything a replayed answer could add to.
async fn kept(app: &TestApp) -> [i64; 5] {
    let mut counts = [0; 5];
    for (slot, sql) in [
        "SELECT COUNT(*) FROM conversation_records",
        "SELECT COUNT(*) FROM conversation_turns",
        "SELECT COUNT(*) FROM access_tokens",
        "SELECT COUNT(*) FROM provider_downloads",
        "SELECT COUNT(*) FROM audit_log WHERE event = 'transfer.package'",
    ]
    .into_iter()
    .enumerate()
    {
        counts[slot] = app.db.count(sql).await;
    }
    counts
}

async fn a_consent_answer_works_once_and_for_its_citizen_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, started) = post_patiently(
        &app,
        "/api/conversations",
        &json!({"text": "失業了，該怎麼辦？"}),
    )
    .await;
    assert_eq!(status, 201, "{started}");
    let id = started["id"].as_str().unwrap().to_owned();
    let asked = ask_consent(&app, &id, None, json!({})).await;
    let cookie = substantial(&app, &citizen(LAID_OFF)).await;
    let back = consent_path(
        &app,
        asked["authorize_url"].as_str().unwrap(),
        &cookie,
        None,
        "navigator-assistant",
        json!({}),
    )
    .await;
    assert!(back.starts_with("/assistant/callback?"), "{back}");

    // Signed in before counting: a login asks the household registry.
    let someone_else = substantial(&app, &citizen("E240203715")).await;
    let first = back_to(&app, &back, &cookie).await;
    assert_eq!(first.status(), 303);
    let after_first = kept(&app).await;
    assert!(after_first[0] > 0, "the records were kept once");

    // The same answer again, by the citizen or by someone else.
    for (who, session) in [("the citizen", &cookie), ("someone else", &someone_else)] {
        let replayed = back_to(&app, &back, session).await;
        assert!(replayed.headers().get("location").is_none(), "{who}");
        let (status, _) = crate::attacks_bodies::refused(replayed, who).await;
        assert_eq!(status, 400, "{who}");
    }
    assert_eq!(
        kept(&app).await,
        after_first,
        "nothing fetched or kept twice"
    );

    // The conversation now holds records: another citizen can neither
    // read, continue nor delete it.
    let path = format!("/api/conversations/{id}");
    let read = get_with_cookie(&app, &path, &someone_else).await;
    assert_eq!(read.status(), 404);
    let continued = post_with_cookie(
        &app,
        &format!("{path}/messages"),
        &someone_else,
        json!({"text": "我的資料是什麼？"}),
    )
    .await;
    assert_eq!(continued.status(), 404);
    let deleted = app
        .client
        .delete(app.url(&path))
        .header("cookie", &someone_else)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 404);
    let anonymous = app.client.delete(app.url(&path)).send().await.unwrap();
    assert_eq!(anonymous.status(), 401);
    assert_eq!(kept(&app).await, after_first, "nothing changed");
    let own = get_with_cookie(&app, &path, &cookie).await;
    assert_eq!(own.status(), 200, "still the citizen's");
}
