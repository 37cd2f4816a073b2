//! Conversations with the assistant over real HTTP: the data-free answer
//! and the records it would ask for, crisis first, English kept,
//! follow-ups in one conversation served by any server, deletion at once.

use mydata_navigator::store::{
    Appended, Backend, ConversationCap, ConversationRecordRow, ConversationRow,
};
use serde_json::{Value, json};

use crate::helpers::{
    on_both_stores, post_patiently as post, service_ids as services, spawn_app, spawn_app_with,
};

const CAP: ConversationCap = ConversationCap {
    max_turns: 50,
    max_bytes: 1 << 20,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unemployed_citizen_gets_a_data_free_answer_and_is_asked_only_for_what_decides() {
    // Two servers on one PostgreSQL database: the conversation lives there.
    let first = spawn_app(Backend::Postgres).await;
    let url = first.db.url.clone();
    let second = spawn_app_with(Backend::Postgres, move |args| {
        args.store.database_url = Some(url);
    })
    .await;

    let (status, started) = post(
        &first,
        "/api/conversations",
        &json!({"text": "失業了，該怎麼辦？"}),
    )
    .await;
    assert_eq!(status, 201, "{started}");
    let id = started["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 64, "an unguessable id");
    let reply = &started["reply"];
    assert_eq!(reply["turn"], 1);
    assert_eq!(reply["language"], "zh-TW");
    assert_eq!(reply["crisis"], false);
    assert!(
        reply["needs"]
            .as_array()
            .unwrap()
            .contains(&json!("unemployment_benefit"))
    );
    assert!(
        services(reply).contains(&"bli.unemployment_benefit"),
        "{reply}"
    );
    // No mental-health service pushed without a signal.
    assert!(
        !services(reply)
            .iter()
            .any(|s| s.contains("hotline_1925") || s.contains("mental")),
        "{reply}"
    );
    // Asked: the records that settle an unknown verdict, each with why.
    let asks = reply["data_request"].as_array().unwrap();
    let labour = asks
        .iter()
        .find(|a| a["dataset"] == "labor.insurance_history")
        .unwrap_or_else(|| panic!("{reply}"));
    assert!(
        labour["decides"]
            .as_array()
            .unwrap()
            .contains(&json!("bli.unemployment_benefit"))
    );
    assert_eq!(labour["agency"], "mol.bli");
    assert!(labour["why"].as_str().unwrap().contains("就業保險失業給付"));
    // Every dataset asked decides a service shown as unknown.
    for ask in asks {
        for decided in ask["decides"].as_array().unwrap() {
            let service = reply["services"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| &s["service"] == decided)
                .unwrap();
            assert_eq!(service["verdict"], "unknown", "{ask}");
        }
    }
    let text = reply["text"].as_str().unwrap();
    // Records are named in words, never by their ids.
    assert!(
        text.contains("就業保險失業給付") && text.contains("勞保投保紀錄"),
        "{text}"
    );
    assert!(!text.contains("labor.insurance_history"), "{text}");

    // The follow-up goes to the other server.
    let (status, follow_up) = post(
        &second,
        &format!("/api/conversations/{id}/messages"),
        &json!({"text": "那我可以同時領職訓津貼嗎？"}),
    )
    .await;
    assert_eq!(status, 200, "{follow_up}");
    assert_eq!(follow_up["turn"], 2);
    assert!(
        services(&follow_up).contains(&"bli.vocational_training_allowance"),
        "{follow_up}"
    );
    let shown: Value = first
        .client
        .get(first.url(&format!("/api/conversations/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let turns = shown["turns"].as_array().unwrap();
    assert_eq!(turns.len(), 2);
    assert_eq!(turns[1]["question"], "那我可以同時領職訓津貼嗎？");

    // Deleted at once, for every server.
    let deleted = second
        .client
        .delete(second.url(&format!("/api/conversations/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let (status, _) = post(
        &first,
        &format!("/api/conversations/{id}/messages"),
        &json!({"text": "還在嗎？"}),
    )
    .await;
    assert_eq!(status, 404);
    assert!(
        first
            .store
            .conversation_turns(&id)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_crisis_is_answered_with_hotlines_first_and_no_request_for_data() {
    let app = spawn_app(Backend::Sqlite).await;
    let (status, started) = post(
        &app,
        "/api/conversations",
        &json!({"text": "我真的撐不下去了，想結束自己的生命"}),
    )
    .await;
    assert_eq!(status, 201, "{started}");
    let reply = &started["reply"];
    assert_eq!(reply["crisis"], true);
    let numbers: Vec<&str> = reply["hotlines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["number"].as_str().unwrap())
        .collect();
    assert!(
        numbers.contains(&"1925") && numbers.contains(&"1995"),
        "{numbers:?}"
    );
    assert!(reply["data_request"].as_array().unwrap().is_empty());
    let text = reply["text"].as_str().unwrap();
    let first_line = text.lines().next().unwrap();
    assert!(first_line.contains("安全"), "{text}");
    assert!(text.lines().take(3).any(|l| l.contains("1925")), "{text}");
}

#[tokio::test]
async fn english_is_answered_in_english_and_bad_messages_are_refused() {
    let app = spawn_app(Backend::Sqlite).await;
    let (status, started) = post(
        &app,
        "/api/conversations",
        &json!({"text": "I lost my job last month. What support can I get?"}),
    )
    .await;
    assert_eq!(status, 201, "{started}");
    let reply = &started["reply"];
    assert_eq!(reply["language"], "en");
    let text = reply["text"].as_str().unwrap();
    assert!(text.starts_with("The closest fit is"), "{text}");
    assert!(text.contains("First step:"), "{text}");
    assert!(!text.contains("符合") && !text.contains("待確認"), "{text}");

    for bad in [json!({}), json!({"text": ""}), json!({"text": 7})] {
        let (status, problem) = post(&app, "/api/conversations", &bad).await;
        assert_eq!(status, 400, "{bad}: {problem}");
    }
    let (status, _) = post(
        &app,
        "/api/conversations/0000/messages",
        &json!({"text": "hello"}),
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_follow_up_without_a_need_of_its_own_stays_on_the_conversation() {
    let app = spawn_app(Backend::Sqlite).await;
    // Alone, the question names no need: the assistant asks what is meant.
    let (_, alone) = post(
        &app,
        "/api/conversations",
        &json!({"text": "那要準備什麼文件？"}),
    )
    .await;
    assert_eq!(alone["reply"]["clarify"], true, "{alone}");
    assert!(alone["reply"]["services"].as_array().unwrap().is_empty());
    assert!(
        alone["reply"]["data_request"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // After a question about losing a job, it is about that.
    let (_, started) = post(
        &app,
        "/api/conversations",
        &json!({"text": "失業了，該怎麼辦？"}),
    )
    .await;
    let id = started["id"].as_str().unwrap();
    let (status, follow_up) = post(
        &app,
        &format!("/api/conversations/{id}/messages"),
        &json!({"text": "那要準備什麼文件？"}),
    )
    .await;
    assert_eq!(status, 200, "{follow_up}");
    assert_eq!(follow_up["follows_up"], true);
    assert_eq!(follow_up["clarify"], false);
    assert_eq!(follow_up["needs"], started["reply"]["needs"]);
    assert!(
        services(&follow_up).contains(&"bli.unemployment_benefit"),
        "{follow_up}"
    );
    // Searched with the earlier question's words: nothing about feelings
    // turns up where nobody spoke of them.
    assert!(
        follow_up["services"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| !s["service"].as_str().unwrap().contains("1980")
                && !s["service"].as_str().unwrap().contains("1925")),
        "{follow_up}"
    );
}

on_both_stores!(a_conversation_and_its_turns_go_together);

/// Deleting or expiring a conversation takes its turns with it.
async fn a_conversation_and_its_turns_go_together(backend: Backend) {
    let app = spawn_app(backend).await;
    let store = &app.store;
    // Times around now: the server's own sweeper runs beside the test.
    let now = mydata_navigator::clock::now_ms();
    let hour = 3_600_000;
    for (id, expires_ms) in [
        ("kept", now + hour),
        ("deleted", now + hour),
        ("expired", now + 2_000),
    ] {
        store
            .conversation_create(&ConversationRow {
                id: id.into(),
                language: "zh-TW".into(),
                created_ms: now,
                updated_ms: now,
                expires_ms,
                turns: 0,
                subject: None,
                stored_bytes: 0,
            })
            .await
            .unwrap();
        store
            .conversation_records_put(
                id,
                &[ConversationRecordRow {
                    dataset: "tax.income".into(),
                    agency: "mof.fia".into(),
                    fetched_at: "2026-11-27T00:00:00Z".into(),
                    consent_id: "c".into(),
                    sealed: "sealed".into(),
                    received_ms: now,
                }],
            )
            .await
            .unwrap();
        assert_eq!(
            store
                .conversation_append(id, "zh-TW", "失業了", "{}", now + 1_000, CAP)
                .await
                .unwrap(),
            Appended::Turn(1)
        );
    }
    assert!(store.conversation_delete("deleted").await.unwrap());
    assert!(!store.conversation_delete("deleted").await.unwrap());
    assert_eq!(
        store.conversation_purge_expired(now + 5_000).await.unwrap(),
        1
    );
    for gone in ["deleted", "expired"] {
        assert!(
            store.conversation_turns(gone).await.unwrap().is_empty(),
            "{gone}"
        );
        assert!(
            store.conversation_records(gone).await.unwrap().is_empty(),
            "{gone}: its records go with it"
        );
        assert!(
            store
                .conversation_get(gone, now + 1_000)
                .await
                .unwrap()
                .is_none()
        );
    }
    assert_eq!(store.conversation_turns("kept").await.unwrap().len(), 1);
    assert_eq!(store.conversation_records("kept").await.unwrap().len(), 1);
}
