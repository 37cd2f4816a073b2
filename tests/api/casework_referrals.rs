//! Referrals over real HTTP: they move forward one step at a time, by the
//! case's worker or the service's agency, once even when two try at once.

use mydata_navigator::store::Backend;
use serde_json::{Value, json};

use crate::casework::{CRISIS, events_by, hire, json_of, nid, open_case, people, set_status};
use crate::helpers::{on_both_stores, spawn_app};
use crate::session::{get_with_cookie, post_with_cookie};

on_both_stores!(referrals_move_forward_one_step_at_a_time);

async fn referrals_move_forward_one_step_at_a_time(backend: Backend) {
    let app = spawn_app(backend).await;
    let people = people();
    let service = "mohw.emergency_assistance";
    let listed: Value = app
        .client
        .get(app.url(&format!("/api/catalog/services/{service}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let agency = listed["agency"].as_str().unwrap().to_owned();
    let worker = hire(
        &app,
        "sw-lin",
        &people[0],
        "social_worker",
        json!({"team": "north"}),
    )
    .await;
    let stranger = hire(
        &app,
        "sw-kao",
        &people[1],
        "social_worker",
        json!({"team": "south"}),
    )
    .await;
    let admin = hire(
        &app,
        "adm-owner",
        &people[2],
        "agency_admin",
        json!({"agency": agency}),
    )
    .await;
    let elsewhere = hire(
        &app,
        "adm-else",
        &people[3],
        "agency_admin",
        json!({"agency": "moe"}),
    )
    .await;
    let subject = nid(&people[10]);
    let case = open_case(&app, &worker, &subject, CRISIS).await;
    let referrals = format!(
        "/api/cases/{}/referrals",
        case["case"]["id"].as_str().unwrap()
    );

    let unknown = post_with_cookie(
        &app,
        &referrals,
        &worker,
        json!({"service_id": "nobody.nothing"}),
    )
    .await;
    assert_eq!(json_of(unknown, 400).await["field"], "service_id");
    let refer = |note: &str| {
        post_with_cookie(
            &app,
            &referrals,
            &worker,
            json!({"service_id": service, "note": note}),
        )
    };
    let referral = json_of(refer("急難救助").await, 201).await;
    assert_eq!(referral["status"], "referred");
    let status = format!("{referrals}/{}/status", referral["id"].as_str().unwrap());

    assert_eq!(
        set_status(&app, &status, &worker, "done").await.status(),
        409,
        "no skipping a step"
    );
    assert_eq!(
        json_of(set_status(&app, &status, &worker, "finished").await, 400).await["field"],
        "status"
    );
    assert_eq!(
        set_status(&app, &status, &stranger, "accepted")
            .await
            .status(),
        403
    );
    assert_eq!(
        set_status(&app, &status, &elsewhere, "accepted")
            .await
            .status(),
        403
    );
    assert_eq!(
        json_of(set_status(&app, &status, &admin, "accepted").await, 200).await["updated_by"],
        "adm-owner"
    );
    assert_eq!(
        set_status(&app, &status, &admin, "accepted").await.status(),
        409
    );
    assert_eq!(
        json_of(set_status(&app, &status, &worker, "done").await, 200).await["status"],
        "done"
    );
    assert_eq!(
        set_status(&app, &status, &worker, "accepted")
            .await
            .status(),
        409,
        "never backwards"
    );
    assert_eq!(
        set_status(&app, &status, &worker, "referred")
            .await
            .status(),
        409
    );

    // Two servers (here: two requests at once) cannot both move it.
    let second = json_of(refer("").await, 201).await;
    assert!(second["note"].is_null());
    let status = format!("{referrals}/{}/status", second["id"].as_str().unwrap());
    let (one, two) = tokio::join!(
        post_with_cookie(&app, &status, &worker, json!({"status": "accepted"})),
        post_with_cookie(&app, &status, &admin, json!({"status": "accepted"})),
    );
    let mut statuses = [one.status().as_u16(), two.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409]);

    let shown = json_of(
        get_with_cookie(
            &app,
            &format!("/api/cases/{}", case["case"]["id"].as_str().unwrap()),
            &worker,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(shown["referrals"][0]["status"], "done");
    assert_eq!(shown["referrals"][1]["status"], "accepted");
    assert!(
        events_by(&app, &subject, "staff:adm-owner")
            .await
            .contains(&"case.referral_moved".to_owned())
    );
    let by_worker = events_by(&app, &subject, "staff:sw-lin").await;
    assert!(
        by_worker.contains(&"case.referred".to_owned())
            && by_worker.contains(&"case.referral_moved".to_owned())
    );
    assert!(
        events_by(&app, &subject, "staff:sw-kao")
            .await
            .contains(&"case.access_refused".to_owned())
    );
}
