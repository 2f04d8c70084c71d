//! The resource routes through the router, without a socket:
//! `GET /v1/workers/{id}`, `GET /v1/workers` and `POST /v1/clients/{client_id}/fills`.

mod common;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};

use common::{Answer, send};

async fn get(uri: &str) -> Answer {
    send(Request::get(uri).body(Body::empty()).expect("request")).await
}

async fn post_raw(uri: &str, content_type: Option<&str>, body: &str) -> Answer {
    let mut builder = Request::post(uri);
    if let Some(content_type) = content_type {
        builder = builder.header(header::CONTENT_TYPE, content_type);
    }
    send(builder.body(Body::from(body.to_owned())).expect("request")).await
}

async fn post_fills(client_id: &str, body: Value) -> (StatusCode, Value) {
    let uri = format!("/v1/clients/{client_id}/fills");
    let answer = post_raw(&uri, Some("application/json"), &body.to_string()).await;
    (answer.status, answer.json())
}

fn error(variant: &str, field: &str, reason: &str) -> Value {
    json!({variant: {"field": field, "reason": reason}})
}

fn ids(page: &Value) -> Vec<&str> {
    page["workers"]
        .as_array()
        .expect("workers array")
        .iter()
        .map(|w| w["id"].as_str().expect("id"))
        .collect()
}

// ---------------------------------------------------------------- GET /v1/workers/{id}

#[tokio::test]
async fn worker_found() {
    let answer = get("/v1/workers/W-1").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(
        answer.body,
        r#"{"id":"W-1","name":"Ada Brooks","city":"Toledo","role":"Welder"}"#
    );
}

#[tokio::test]
async fn worker_id_is_percent_decoded() {
    let answer = get("/v1/workers/W%2D48").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.json()["name"], json!("Zoe Khan"));
}

#[tokio::test]
async fn worker_unknown_is_404() {
    let cases = [
        ("W-99", "W-99"),
        ("w-1", "w-1"),
        ("W-01", "W-01"),
        ("W-1%20", "W-1 "),
        ("W-1%2Fx", "W-1/x"),
    ];
    for (segment, id) in cases {
        let answer = get(&format!("/v1/workers/{segment}")).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{segment}");
        assert_eq!(
            answer.json(),
            json!({"error": error("Consistency", "id", &format!("unknown worker {id}"))}),
            "{segment}"
        );
    }
}

#[tokio::test]
async fn worker_error_wire_shape() {
    let answer = get("/v1/workers/W-0").await;
    assert_eq!(
        answer.body,
        r#"{"error":{"Consistency":{"field":"id","reason":"unknown worker W-0"}}}"#
    );
}

// ---------------------------------------------------------------- GET /v1/workers

#[tokio::test]
async fn list_defaults() {
    let answer = get("/v1/workers").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let page = answer.json();
    assert_eq!(page["total"], json!(48));
    assert_eq!(page["limit"], json!(20));
    assert_eq!(page["offset"], json!(0));
    let expected: Vec<String> = (1..=20).map(|n| format!("W-{n}")).collect();
    assert_eq!(ids(&page), expected, "roster order");
    assert_eq!(
        page["workers"][0],
        json!({"id": "W-1", "name": "Ada Brooks", "city": "Toledo", "role": "Welder"})
    );
}

#[tokio::test]
async fn list_filters() {
    let cases: [(&str, u64, &[&str]); 10] = [
        (
            "city=Toledo",
            8,
            &["W-1", "W-7", "W-13", "W-19", "W-25", "W-31", "W-37", "W-43"],
        ),
        ("city=Akron&role=Welder", 2, &["W-5", "W-41"]),
        (
            "role=Painter&role=Welder&city=Toledo",
            3,
            &["W-1", "W-31", "W-37"],
        ),
        ("role=Welder&role=Welder&city=Toledo", 2, &["W-1", "W-37"]),
        ("role=Forklift+Operator&city=Toledo", 2, &["W-7", "W-43"]),
        ("role=Forklift%20Operator&city=Toledo", 2, &["W-7", "W-43"]),
        ("city=Toledo&limit=2&offset=1", 8, &["W-7", "W-13"]),
        ("city=Toledo&limit=01&offset=007", 8, &["W-43"]),
        ("city=Toledo&offset=8", 8, &[]),
        ("offset=2147483647", 48, &[]),
    ];
    for (query, total, expected) in cases {
        let answer = get(&format!("/v1/workers?{query}")).await;
        assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.body);
        let page = answer.json();
        assert_eq!(page["total"], json!(total), "{query}");
        assert_eq!(ids(&page), expected, "{query}");
    }
}

#[tokio::test]
async fn list_page_echoes_limit_and_offset() {
    let page = get("/v1/workers?limit=100&offset=40").await.json();
    assert_eq!(page["limit"], json!(100));
    assert_eq!(page["offset"], json!(40));
    assert_eq!(ids(&page).len(), 8);
}

#[tokio::test]
async fn list_empty_values_count_as_absent() {
    for query in ["city=", "limit=", "offset=", "city&limit&offset", "other=1"] {
        let answer = get(&format!("/v1/workers?{query}")).await;
        assert_eq!(answer.status, StatusCode::OK, "{query}: {}", answer.body);
        let page = answer.json();
        assert_eq!(
            (&page["total"], &page["limit"], &page["offset"]),
            (&json!(48), &json!(20), &json!(0)),
            "{query}"
        );
    }
}

#[tokio::test]
async fn list_bad_values_are_400() {
    let limit = "expected integer between 1 and 100";
    let offset = "expected integer >= 0";
    let cases = [
        ("city=Tokyo", "Consistency", "city", "unknown city Tokyo"),
        ("city=toledo", "Consistency", "city", "unknown city toledo"),
        ("city=Welder", "Consistency", "city", "unknown city Welder"),
        ("role=", "Consistency", "role[0]", "unknown role "),
        (
            "role=Welder&role=Chef",
            "Consistency",
            "role[1]",
            "unknown role Chef",
        ),
        (
            "role=Welder,Painter",
            "Consistency",
            "role[0]",
            "unknown role Welder,Painter",
        ),
        ("limit=0", "Schema", "limit", limit),
        ("limit=101", "Schema", "limit", limit),
        ("limit=-1", "Schema", "limit", limit),
        ("limit=%2B1", "Schema", "limit", limit),
        ("limit=1.0", "Schema", "limit", limit),
        ("limit=1e1", "Schema", "limit", limit),
        ("limit=%201", "Schema", "limit", limit),
        ("limit=ten", "Schema", "limit", limit),
        ("limit=99999999999999999999", "Schema", "limit", limit),
        ("offset=-1", "Schema", "offset", offset),
        ("offset=-0", "Schema", "offset", offset),
        ("offset=x", "Schema", "offset", offset),
        ("offset=2147483648", "Schema", "offset", offset),
        // city, then each role, then limit, then offset
        (
            "offset=x&limit=0&role=Chef&city=Tokyo",
            "Consistency",
            "city",
            "unknown city Tokyo",
        ),
        (
            "offset=x&limit=0&role=Chef",
            "Consistency",
            "role[0]",
            "unknown role Chef",
        ),
        ("offset=x&limit=0", "Schema", "limit", limit),
    ];
    for (query, variant, field, reason) in cases {
        let answer = get(&format!("/v1/workers?{query}")).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(
            answer.json(),
            json!({"error": error(variant, field, reason)}),
            "{query}"
        );
    }
}

// ---------------------------------------------------------------- POST /v1/clients/{client_id}/fills

fn toledo_fill() -> Value {
    json!({
        "fills": [{"candidate_id": "W-1", "name": "Ada Brooks"}, {"candidate_id": "W-7", "name": "Gus Lopez"}],
        "context": {"target_count": 2, "city": "Toledo"}
    })
}

#[tokio::test]
async fn client_fill_valid() {
    let answer = post_raw(
        "/v1/clients/C-1/fills",
        Some("application/json"),
        &toledo_fill().to_string(),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let body = answer.json();
    assert!(body["elapsed_ms"].is_u64(), "{body}");
    assert_eq!(
        body,
        json!({"valid": true, "client_id": "C-1", "elapsed_ms": body["elapsed_ms"]})
    );
}

#[tokio::test]
async fn client_id_comes_from_the_path() {
    let mut body = toledo_fill();
    body["context"]["client_id"] = json!(7);
    let (status, answer) = post_fills("C%2042", body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["client_id"], json!("C 42"));
}

#[tokio::test]
async fn client_fill_rules() {
    let ada = json!({"candidate_id": "W-1", "name": "Ada Brooks"});
    let ben = json!({"candidate_id": "W-2", "name": "Ben Ito"});
    let gus = json!({"candidate_id": "W-7", "name": "Gus Lopez"});
    let ctx = json!({"target_count": 1, "city": "Toledo"});
    let cases = [
        (json!({"context": ctx}), "Schema", "fills", "missing"),
        (
            json!({"fills": {}, "context": ctx}),
            "Schema",
            "fills",
            "expected array",
        ),
        (
            json!({"fills": [1], "context": ctx}),
            "Schema",
            "fills[0]",
            "expected object",
        ),
        (
            json!({"fills": [{"name": "x"}]}),
            "Schema",
            "fills[0].candidate_id",
            "missing",
        ),
        (json!({"fills": [ada]}), "Schema", "context", "missing"),
        (
            json!({"fills": [ada], "context": null}),
            "Schema",
            "context",
            "expected object",
        ),
        (
            json!({"fills": [ada], "context": [ctx]}),
            "Schema",
            "context",
            "expected object",
        ),
        (
            json!({"fills": [ada], "context": {"city": "Toledo"}}),
            "Schema",
            "context.target_count",
            "missing",
        ),
        (
            json!({"fills": [ada], "context": {"target_count": 0, "city": "Toledo"}}),
            "Schema",
            "context.target_count",
            "expected integer >= 1",
        ),
        (
            json!({"fills": [ada], "context": {"target_count": 1}}),
            "Schema",
            "context.city",
            "missing",
        ),
        (
            json!({"fills": [], "context": ctx}),
            "Completeness",
            "fills",
            "empty",
        ),
        (
            json!({"fills": [{"candidate_id": "W-0", "name": "x"}], "context": ctx}),
            "Consistency",
            "fills[0].candidate_id",
            "unknown candidate W-0",
        ),
        (
            json!({"fills": [{"candidate_id": "W-1", "name": "Ada"}], "context": ctx}),
            "Consistency",
            "fills[0].name",
            "name mismatch",
        ),
        (
            json!({"fills": [ada, ada], "context": ctx}),
            "Consistency",
            "fills[1].candidate_id",
            "duplicate",
        ),
        (
            json!({"fills": [ada, ben], "context": ctx}),
            "Policy",
            "fills[1].candidate_id",
            "city mismatch",
        ),
        (
            json!({"fills": [ada, gus], "context": ctx}),
            "Consistency",
            "fills",
            "overfull: 2 > 1",
        ),
    ];
    for (body, variant, field, reason) in cases {
        let (status, answer) = post_fills("C-1", body.clone()).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body} -> {answer}"
        );
        assert_eq!(answer["valid"], json!(false), "{body}");
        assert_eq!(answer["client_id"], json!("C-1"), "{body}");
        assert!(answer["elapsed_ms"].is_u64(), "{answer}");
        assert_eq!(answer["error"], error(variant, field, reason), "{body}");
    }
}

#[tokio::test]
async fn client_fill_error_wire_shape() {
    let answer = post_raw(
        "/v1/clients/C-1/fills",
        Some("application/json"),
        r#"{"fills": []}"#,
    )
    .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    let (head, elapsed) = answer.body.rsplit_once(',').expect("fields");
    assert_eq!(
        head,
        r#"{"valid":false,"client_id":"C-1","error":{"Schema":{"field":"context","reason":"missing"}}"#
    );
    let digits = elapsed
        .strip_prefix(r#""elapsed_ms":"#)
        .and_then(|rest| rest.strip_suffix('}'))
        .expect("elapsed_ms last");
    assert!(digits.bytes().all(|b| b.is_ascii_digit()), "{elapsed}");
}

#[tokio::test]
async fn client_fill_rejections_are_4xx() {
    let cases: [(Option<&str>, &str); 6] = [
        (Some("application/json"), "not json"),
        (Some("application/json"), "[]"),
        (Some("application/json"), "null"),
        (Some("application/json"), r#""fills""#),
        (Some("text/plain"), r#"{"fills": []}"#),
        (None, r#"{"fills": []}"#),
    ];
    for (content_type, body) in cases {
        let answer = post_raw("/v1/clients/C-1/fills", content_type, body).await;
        assert!(
            answer.status.is_client_error(),
            "{body:?} -> {}",
            answer.status
        );
        assert!(
            !answer.body.contains("\"valid\""),
            "{body:?} was validated: {}",
            answer.body
        );
    }
}

// ---------------------------------------------------------------- methods

#[tokio::test]
async fn other_methods_are_405() {
    let cases = [
        (Method::POST, "/v1/workers"),
        (Method::DELETE, "/v1/workers/W-1"),
        (Method::GET, "/v1/clients/C-1/fills"),
        (Method::PUT, "/v1/clients/C-1/fills"),
    ];
    for (method, uri) in cases {
        let request = Request::builder()
            .method(method.clone())
            .uri(uri)
            .body(Body::empty())
            .expect("request");
        let answer = send(request).await;
        assert_eq!(
            answer.status,
            StatusCode::METHOD_NOT_ALLOWED,
            "{method} {uri}"
        );
    }
}
