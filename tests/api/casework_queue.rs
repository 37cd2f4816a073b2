//! The urgency queue over real HTTP: a crisis first, each case with the
//! reasons for its place; team views; who may read a case; notes; and
//! every access on the citizen's trail.

use mydata_navigator::store::Backend;
use serde_json::{Value, json};

use crate::casework::{
    CRISIS, HOUSING, TUITION, events_by, hire, json_of, nid, open_case, people, reason_codes,
};
use crate::helpers::{on_both_stores, spawn_app};
use crate::session::{get_with_cookie, post_with_cookie};

on_both_stores!(
    the_queue_puts_a_crisis_first_and_says_why,
    cases_are_seen_by_their_worker_and_team_supervisor_only,
);

async fn the_queue_puts_a_crisis_first_and_says_why(backend: Backend) {
    let app = spawn_app(backend).await;
    let people = people();
    let Staff {
        worker,
        colleague,
        supervisor,
        other,
    } = two_teams(&app, &people).await;
    let (a, b, c, d) = (
        nid(&people[10]),
        nid(&people[11]),
        nid(&people[12]),
        nid(&people[13]),
    );

    let bad = post_with_cookie(
        &app,
        "/api/cases",
        &worker,
        json!({"national_id": "A123", "summary": HOUSING}),
    )
    .await;
    assert_eq!(json_of(bad, 400).await["field"], "national_id");
    let empty = post_with_cookie(
        &app,
        "/api/cases",
        &worker,
        json!({"national_id": a, "summary": " "}),
    )
    .await;
    assert_eq!(json_of(empty, 400).await["field"], "summary");
    let by_supervisor = post_with_cookie(
        &app,
        "/api/cases",
        &supervisor,
        json!({"national_id": a, "summary": HOUSING}),
    )
    .await;
    assert_eq!(by_supervisor.status(), 403);

    let housing = open_case(&app, &worker, &a, HOUSING).await;
    let tuition = open_case(&app, &worker, &b, TUITION).await;
    let crisis = open_case(&app, &worker, &c, CRISIS).await;
    let theirs = open_case(&app, &colleague, &d, HOUSING).await;
    assert!(crisis["signals"]["crisis"].is_string(), "{crisis}");
    assert_eq!(crisis["urgency"]["tier"], 1);
    assert_eq!(reason_codes(&crisis["urgency"])[0], "crisis");
    assert!(housing["signals"]["crisis"].is_null(), "{housing}");

    let queue = json_of(
        get_with_cookie(&app, "/api/cases/queue", &worker).await,
        200,
    )
    .await;
    let cases = queue["cases"].as_array().unwrap().clone();
    let ids: Vec<_> = cases.iter().map(|c| c["id"].clone()).collect();
    assert_eq!(ids.len(), 3, "only the worker's own cases: {queue}");
    assert_eq!(ids[0], crisis["case"]["id"]);
    for (position, item) in cases.iter().enumerate() {
        assert_eq!(item["position"], position + 1);
        assert_eq!(item["worker"], "sw-lin");
        let codes = reason_codes(&item["urgency"]);
        assert_eq!(codes.last().map(String::as_str), Some("waiting"), "{item}");
        assert_eq!(
            item["urgency"]["crisis"],
            codes.contains(&"crisis".to_owned())
        );
    }
    // Each position follows from the reasons: crisis, then vulnerabilities,
    // then the longer wait.
    for pair in cases.windows(2) {
        let key = |c: &Value| {
            let u = &c["urgency"];
            (
                u["crisis"].as_bool().unwrap(),
                u["vulnerabilities"].as_u64().unwrap(),
                u["waiting_ms"].as_i64().unwrap(),
            )
        };
        assert!(key(&pair[0]) >= key(&pair[1]), "{pair:?}");
    }
    let position = |id: &Value| ids.iter().position(|i| i == id).unwrap();
    if housing["urgency"]["vulnerabilities"] == tuition["urgency"]["vulnerabilities"] {
        assert!(position(&housing["case"]["id"]) < position(&tuition["case"]["id"]));
    }

    let team = json_of(
        get_with_cookie(&app, "/api/cases/queue", &supervisor).await,
        200,
    )
    .await;
    assert_eq!(team["cases"].as_array().unwrap().len(), 4);
    assert_eq!(team["cases"][0]["id"], crisis["case"]["id"]);
    let by_name = json_of(
        get_with_cookie(&app, "/api/teams/north/queue", &supervisor).await,
        200,
    )
    .await;
    let ids_of = |queue: &Value| -> Vec<Value> {
        queue["cases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].clone())
            .collect()
    };
    assert_eq!(ids_of(&by_name), ids_of(&team));
    assert!(
        team["cases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == theirs["case"]["id"])
    );
    assert_eq!(
        get_with_cookie(&app, "/api/teams/north/queue", &other)
            .await
            .status(),
        403
    );
    assert_eq!(
        get_with_cookie(&app, "/api/teams/north/queue", &worker)
            .await
            .status(),
        403
    );
    let south = json_of(get_with_cookie(&app, "/api/cases/queue", &other).await, 200).await;
    assert_eq!(south["cases"], json!([]));
    // Being listed in a queue is an access too.
    assert!(
        events_by(&app, &c, "staff:sup-north")
            .await
            .contains(&"case.listed".to_owned())
    );
}

async fn cases_are_seen_by_their_worker_and_team_supervisor_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let people = people();
    let Staff {
        worker,
        colleague,
        supervisor,
        other,
    } = two_teams(&app, &people).await;
    let subject = nid(&people[10]);
    let opened = open_case(&app, &worker, &subject, HOUSING).await;
    let id = opened["case"]["id"].as_str().unwrap().to_owned();
    let path = format!("/api/cases/{id}");

    let shown = json_of(get_with_cookie(&app, &path, &worker).await, 200).await;
    assert_eq!(shown["case"]["subject"], subject);
    assert_eq!(shown["notes"], json!([]));
    assert!(reason_codes(&shown["urgency"]).contains(&"waiting".to_owned()));
    json_of(get_with_cookie(&app, &path, &supervisor).await, 200).await;
    assert_eq!(get_with_cookie(&app, &path, &colleague).await.status(), 403);
    assert_eq!(get_with_cookie(&app, &path, &other).await.status(), 403);
    assert_eq!(
        get_with_cookie(&app, "/api/cases/case-nothing", &worker)
            .await
            .status(),
        404
    );

    let notes = format!("{path}/notes");
    let empty = post_with_cookie(&app, &notes, &worker, json!({"text": ""})).await;
    assert_eq!(json_of(empty, 400).await["field"], "text");
    let note = post_with_cookie(&app, &notes, &worker, json!({"text": "已電訪，約週三家訪"})).await;
    let note = json_of(note, 201).await;
    assert_eq!(
        post_with_cookie(&app, &notes, &colleague, json!({"text": "x"}))
            .await
            .status(),
        403
    );
    let shown = json_of(get_with_cookie(&app, &path, &supervisor).await, 200).await;
    assert_eq!(shown["notes"][0]["id"], note["id"]);
    assert_eq!(shown["notes"][0]["author"], "sw-lin");

    let close = format!("{path}/close");
    let closed = json_of(
        post_with_cookie(&app, &close, &worker, json!({})).await,
        200,
    )
    .await;
    assert_eq!(closed["status"], "closed");
    assert_eq!(
        post_with_cookie(&app, &close, &worker, json!({}))
            .await
            .status(),
        409
    );
    let queue = json_of(
        get_with_cookie(&app, "/api/cases/queue", &worker).await,
        200,
    )
    .await;
    assert_eq!(queue["cases"], json!([]));

    // The citizen's trail names each staff member and what they did.
    assert_eq!(
        events_by(&app, &subject, "staff:sw-lin").await,
        [
            "case.opened",
            "case.viewed",
            "case.note_added",
            "case.closed"
        ]
        .map(String::from)
    );
    assert_eq!(
        events_by(&app, &subject, "staff:sup-north").await,
        ["case.viewed", "case.viewed"].map(String::from)
    );
    let refused = app.trail(&subject).await;
    let refused: Vec<_> = refused
        .iter()
        .filter(|e| e["event"] == "case.access_refused")
        .collect();
    assert_eq!(refused.len(), 3, "{refused:?}");
    assert!(refused.iter().all(|e| e["outcome"] == "failure"));
    assert!(refused.iter().any(|e| e["actor"] == "staff:sup-south"));
}

/// Cookies of two social workers and a supervisor in team north, and the
/// supervisor of team south.
struct Staff {
    worker: String,
    colleague: String,
    supervisor: String,
    other: String,
}

async fn two_teams(
    app: &crate::helpers::TestApp,
    people: &[mydata_navigator::citizens::Citizen],
) -> Staff {
    let worker = hire(
        app,
        "sw-lin",
        &people[0],
        "social_worker",
        json!({"team": "north"}),
    )
    .await;
    let colleague = hire(
        app,
        "sw-wu",
        &people[1],
        "social_worker",
        json!({"team": "north"}),
    )
    .await;
    let supervisor = hire(
        app,
        "sup-north",
        &people[2],
        "supervisor",
        json!({"team": "north"}),
    )
    .await;
    let other = hire(
        app,
        "sup-south",
        &people[3],
        "supervisor",
        json!({"team": "south"}),
    )
    .await;
    Staff {
        worker,
        colleague,
        supervisor,
        other,
    }
}
