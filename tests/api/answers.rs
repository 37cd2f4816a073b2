//! What a citizen gets back, over real HTTP with the real model: the
//! benefit asked about first, general lines capped, off-topic messages
//! pointed elsewhere, crises of the right kind and no false alarms for
//! hard times, detail questions answered from the entry, exclusive
//! benefits shown as a choice, and replies short enough for a phone.

use mydata_navigator::store::Backend;
use serde_json::{Value, json};

use crate::helpers::{TestApp, post_patiently as post, service_ids as services, spawn_app};

async fn ask(app: &TestApp, text: &str) -> (String, Value) {
    let (status, started) = post(app, "/api/conversations", &json!({ "text": text })).await;
    assert_eq!(status, 201, "{started}");
    (
        started["id"].as_str().unwrap().to_owned(),
        started["reply"].clone(),
    )
}

async fn follow(app: &TestApp, id: &str, text: &str) -> Value {
    let (status, reply) = post(
        app,
        &format!("/api/conversations/{id}/messages"),
        &json!({ "text": text }),
    )
    .await;
    assert_eq!(status, 200, "{reply}");
    reply
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_benefit_asked_about_comes_first_and_general_lines_are_capped() {
    let app = spawn_app(Backend::Sqlite).await;
    let (_, rent) = ask(&app, "租金補貼要怎麼申請").await;
    assert_eq!(services(&rent)[0], "nlma.rent_subsidy_300b", "{rent}");
    for question in [
        "失業了，該怎麼辦？",
        "我先生過世了，我一個人帶兩個小孩，房租快付不出來",
        "I lost my job last month. What support can I get?",
        "最近壓力好大，睡不著，想找人聊聊",
    ] {
        let (_, reply) = ask(&app, question).await;
        let general = reply["services"]
            .as_array()
            .unwrap()
            .iter()
            .take(5)
            .filter(|s| s["general"] == true)
            .count();
        assert!(
            general <= 1,
            "{question}: {general} general lines in the top 5: {reply}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_for_men_is_not_offered_to_a_woman() {
    let app = spawn_app(Backend::Sqlite).await;
    app.ready().await;
    let asked = |gender: &str| {
        json!({
            "text": "最近跟另一半一直吵架，心情很差，想找人談談",
            "records": {"household.registration": {"gender": gender}},
        })
    };
    let (status, woman) = post(&app, "/api/recommend", &asked("F")).await;
    assert_eq!(status, 200, "{woman}");
    assert!(
        !services(&woman).contains(&"mohw.male_care_hotline"),
        "{woman}"
    );
    let (_, man) = post(&app, "/api/recommend", &asked("M")).await;
    assert!(services(&man).contains(&"mohw.male_care_hotline"), "{man}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_off_topic_message_gets_no_services_and_a_pointer() {
    let app = spawn_app(Backend::Sqlite).await;
    for (question, number) in [
        ("我家巷口的路燈壞了好幾天，要找誰修？", "1999"),
        ("垃圾車晚上幾點會到我們這一區？", "1999"),
        ("Where do I pay a parking ticket in Taipei?", "1999"),
        ("今年綜所稅要怎麼報稅？", "0800-000-321"),
    ] {
        let (_, reply) = ask(&app, question).await;
        assert_eq!(reply["off_topic"], true, "{question}: {reply}");
        assert_eq!(reply["needs"][0], "out_of_scope", "{question}");
        assert!(services(&reply).is_empty(), "{question}: {reply}");
        assert!(reply["data_request"].as_array().unwrap().is_empty());
        assert_eq!(reply["crisis"], false, "{question}: {reply}");
        assert!(
            reply["text"].as_str().unwrap().contains(number),
            "{question}: {reply}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crises_get_the_right_line_first_and_hard_times_are_not_crises() {
    let app = spawn_app(Backend::Sqlite).await;
    for (question, first) in [
        ("真的好累，乾脆消失好了", "1925"),
        ("債務壓得我喘不過氣，乾脆帶他一起走", "1925"),
        ("我老公喝醉就動手打我，昨天還掐我脖子", "113"),
        (
            "I just want to disappear, everyone would be better off without me",
            "1925",
        ),
    ] {
        let (_, reply) = ask(&app, question).await;
        assert_eq!(reply["crisis"], true, "{question}: {reply}");
        assert_eq!(reply["hotlines"][0]["number"], first, "{question}: {reply}");
    }
    for question in [
        "我先生過世了，我一個人帶兩個小孩，房租快付不出來",
        "我太太過世了，一個人帶兩個孩子，房租快付不出來",
        "明天台北會下雨嗎",
        "阮阿母老矣，欲洗身軀攏愛人鬥相共，有人會當來幫忙無？",
        "今天加班到十點，累死了",
    ] {
        let (_, reply) = ask(&app, question).await;
        assert_eq!(reply["crisis"], false, "{question}: {reply}");
    }
    let (_, widow) = ask(&app, "我先生過世了，我一個人帶兩個小孩，房租快付不出來").await;
    let shown = services(&widow);
    assert!(
        shown
            .iter()
            .take(5)
            .any(|s| *s == "mohw.special_circumstances_family" || *s == "nlma.rent_subsidy_300b"),
        "{widow}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_detail_question_is_answered_from_the_entry_first() {
    let app = spawn_app(Backend::Sqlite).await;
    let (id, first) = ask(&app, "被公司裁員了，想申請失業給付").await;
    assert!(
        services(&first).contains(&"bli.unemployment_benefit"),
        "{first}"
    );
    let months = follow(&app, &id, "可以領幾個月？").await;
    assert_eq!(months["follows_up"], true, "{months}");
    assert_eq!(
        months["details"][0]["service"], "bli.unemployment_benefit",
        "{months}"
    );
    assert_eq!(months["details"][0]["topic"], "duration");
    let text = months["text"].as_str().unwrap();
    let opening: String = text.lines().take(3).collect();
    assert!(opening.contains("6個月"), "{text}");
    // "How much?" stays on the services discussed, not debt cards.
    let amount = follow(&app, &id, "那我可以領多少錢？").await;
    assert_eq!(amount["details"][0]["topic"], "amount", "{amount}");
    assert!(
        !services(&amount).iter().take(3).any(|s| s.contains("debt")),
        "{amount}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exclusive_benefits_are_shown_as_a_choice() {
    let app = spawn_app(Backend::Sqlite).await;
    let (_, reply) = ask(&app, "被資遣了，想去參加職業訓練，訓練期間可以領什麼津貼？").await;
    let shown = reply["services"].as_array().unwrap();
    let find = |id: &str| shown.iter().find(|s| s["service"] == id);
    let (Some(allowance), Some(benefit)) = (
        find("bli.vocational_training_allowance"),
        find("bli.unemployment_benefit"),
    ) else {
        panic!("both the allowance and the benefit are shown: {reply}");
    };
    assert!(
        allowance["choose_one_of"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n == "就業保險失業給付"),
        "{allowance}"
    );
    assert!(
        !benefit["choose_one_of"].as_array().unwrap().is_empty(),
        "{benefit}"
    );
    assert!(
        reply["text"].as_str().unwrap().contains("二擇一"),
        "{reply}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_are_short_and_name_records_in_words() {
    let app = spawn_app(Backend::Sqlite).await;
    for (question, limit) in [
        ("失業了，該怎麼辦？", 800),
        (
            "我媽中風後需要人照顧，我要上班沒辦法一直顧，有什麼長照服務？",
            800,
        ),
        (
            "案主，女，38歲，單親，兩名子女就學中，失業三個月，積欠房租兩個月，申請經濟協助。",
            800,
        ),
        (
            "I lost my job last month and can't pay rent. What support can I get?",
            1200,
        ),
        (
            "My elderly father needs daily care and I work full time. What help is there?",
            1200,
        ),
    ] {
        let (_, reply) = ask(&app, question).await;
        let text = reply["text"].as_str().unwrap();
        // The limit holds before the request for records, which follows.
        let answer = text
            .split("\n若你同意提供")
            .next()
            .and_then(|t| t.split("\nShare your").next())
            .unwrap_or(text);
        let chars = answer.chars().count();
        assert!(chars <= limit, "{question}: {chars} characters:\n{text}");
        assert!(
            !text.contains("labor.insurance_history") && !text.contains("household.registration"),
            "dataset ids in the text: {text}"
        );
        assert!(
            !reply["services"].as_array().unwrap().is_empty(),
            "{question}: {reply}"
        );
    }
}
