//! Cross-site request forgery on every state-changing call the web pages
//! make (login, logout, step-up, both consent confirmations, denial,
//! revocation, tickets, conversations): from another site, as a plain
//! form, or with a missing or mismatched anti-forgery token, each is
//! refused as `/problems/csrf` and changes nothing.

use mydata_navigator::demo_provider::DemoProvider;
use mydata_navigator::store::Backend;
use serde_json::{Value, json};

use crate::attacks_bodies::{fingerprint, refused};
use crate::helpers::{TestApp, citizens, on_both_stores, some_citizen, spawn_app};
use crate::session::{get_with_cookie, level, post_with_cookie};
use crate::transfer::{active_bank, open_consent, substantial};

on_both_stores!(forged_requests_from_the_pages_change_nothing);

/// The anti-forgery token a page hands out (its cookie holds the same).
async fn page_token(app: &TestApp) -> String {
    let page = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    page.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("navigator_csrf="))
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_owned()
}

/// A consent request opened by `bank`; downloaded first when asked.
async fn request(app: &TestApp, bank: &DemoProvider, cookie: &str, download: bool) -> String {
    let id = open_consent(&bank.begin("tax.income").authorize_url).await;
    if download {
        crate::transfer::download(app, &id, cookie, &["tax.income"]).await;
    }
    id
}

/// One way of forging a request, applied to a request builder.
#[derive(Clone, Copy, Debug)]
enum Forgery {
    /// From another site, even with the right token.
    CrossSite,
    /// A plain HTML form post (no preflight), without the token.
    TextPlain,
    UrlEncoded,
    Multipart,
    /// The header's token is not the cookie's.
    Mismatched,
    /// A token, but no cookie to match it.
    NoCookie,
}

const FORGERIES: [Forgery; 6] = [
    Forgery::CrossSite,
    Forgery::TextPlain,
    Forgery::UrlEncoded,
    Forgery::Multipart,
    Forgery::Mismatched,
    Forgery::NoCookie,
];

fn forge(
    request: reqwest::RequestBuilder,
    forgery: Forgery,
    session: &str,
    token: &str,
    body: &Value,
) -> reqwest::RequestBuilder {
    let with_csrf = format!("{session}; navigator_csrf={token}");
    let json_text = body.to_string();
    match forgery {
        Forgery::CrossSite => request
            .header("sec-fetch-site", "cross-site")
            .header("cookie", with_csrf)
            .header("x-csrf-token", token)
            .json(body),
        Forgery::TextPlain => request
            .header("cookie", with_csrf)
            .header("content-type", "text/plain")
            .body(json_text),
        Forgery::UrlEncoded => request
            .header("cookie", with_csrf)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("datasets=tax.income&text=x"),
        Forgery::Multipart => request
            .header("cookie", with_csrf)
            .header("content-type", "multipart/form-data; boundary=x")
            .body(format!(
                "--x\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n{json_text}\r\n--x--\r\n"
            )),
        Forgery::Mismatched => request
            .header("cookie", with_csrf)
            .header("x-csrf-token", "0".repeat(64))
            .json(body),
        Forgery::NoCookie => request
            .header("cookie", session)
            .header("x-csrf-token", token)
            .json(body),
    }
}

async fn forged_requests_from_the_pages_change_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let bank = active_bank(&app, "demo-bank").await;
    let victim = some_citizen();
    let cookie = substantial(&app, &victim).await;
    let token = page_token(&app).await;
    let pending = request(&app, &bank, &cookie, false).await;
    let downloaded = request(&app, &bank, &cookie, true).await;
    let to_deny = request(&app, &bank, &cookie, true).await;
    let ticket = post_with_cookie(
        &app,
        "/api/counter/tickets",
        &cookie,
        json!({"provider": "demo-bank", "datasets": ["tax.income"]}),
    )
    .await;
    assert_eq!(ticket.status(), 201);
    let consent = ticket.json::<Value>().await.unwrap()["consent_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let attacker = citizens()
        .iter()
        .find(|c| c.identity.national_id != victim.identity.national_id)
        .unwrap()
        .identity
        .clone();
    let before = fingerprint(&app).await;

    let post = reqwest::Method::POST;
    let calls = [
        (
            post.clone(),
            "/api/identity/knowledge".to_owned(),
            // Login CSRF: the victim's browser signed in as the attacker.
            json!({
                "national_id": attacker.national_id.as_str(),
                "nhi_card_number": attacker.nhi_card_number,
                "id_issue_date": attacker.id_issue_date,
            }),
        ),
        (post.clone(), "/api/identity/logout".to_owned(), json!({})),
        (
            post.clone(),
            "/api/identity/totp/enroll".to_owned(),
            json!({}),
        ),
        (
            post.clone(),
            "/api/identity/totp/verify".to_owned(),
            json!({"code": "123456"}),
        ),
        (
            post.clone(),
            "/api/identity/passkey/register/start".to_owned(),
            json!({}),
        ),
        (
            post.clone(),
            "/api/identity/card/challenge".to_owned(),
            json!({}),
        ),
        (
            post.clone(),
            format!("/api/consent/{pending}/download"),
            json!({"datasets": ["tax.income"]}),
        ),
        (
            post.clone(),
            format!("/api/consent/{downloaded}/send"),
            json!({"standing_days": 30}),
        ),
        (
            post.clone(),
            format!("/api/consent/{to_deny}/deny"),
            json!({}),
        ),
        (
            reqwest::Method::DELETE,
            format!("/api/me/consents/{consent}"),
            json!({}),
        ),
        (
            post.clone(),
            "/api/counter/tickets".to_owned(),
            json!({"provider": "demo-bank", "datasets": ["tax.income"]}),
        ),
        (
            post.clone(),
            "/api/conversations".to_owned(),
            json!({"text": "失業了，該怎麼辦？"}),
        ),
        (post.clone(), "/oauth/par".to_owned(), json!({})),
        (post, "/oauth/token".to_owned(), json!({})),
    ];
    let mut refusals = 0;
    for (method, path, body) in &calls {
        for forgery in FORGERIES {
            // The OAuth endpoints are called server to server with forms
            // and no cookies: only the cross-site mark applies to them.
            if path.starts_with("/oauth/") && !matches!(forgery, Forgery::CrossSite) {
                continue;
            }
            let request = app.client.request(method.clone(), app.url(path));
            let response = forge(request, forgery, &cookie, &token, body)
                .send()
                .await
                .unwrap();
            assert!(
                response.headers().get("set-cookie").is_none(),
                "{forgery:?} {path}"
            );
            let context = format!("{forgery:?} {method} {path}");
            let (status, problem) = refused(response, &context).await;
            assert_eq!(status, 403, "{context}");
            assert_eq!(problem["type"], "/problems/csrf", "{context}");
            refusals += 1;
        }
    }
    assert_eq!(refusals, 12 * 6 + 2);
    assert_eq!(fingerprint(&app).await, before, "nothing changed");
    assert_eq!(level(&app, &cookie).await, "substantial", "still signed in");

    // The page's own call, same-origin with its token, goes through: the
    // refusals above were the guard's, not the route's.
    let logout = app
        .client
        .post(app.url("/api/identity/logout"))
        .header("sec-fetch-site", "same-origin")
        .header("cookie", format!("{cookie}; navigator_csrf={token}"))
        .header("x-csrf-token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 204);
    assert_eq!(
        get_with_cookie(&app, "/api/me", &cookie).await.status(),
        401
    );
}
