//! End-to-end tests through the router, without a socket.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};

async fn send(request: Request<Body>) -> (StatusCode, Option<String>, String) {
    let answer = common::send(request).await;
    (answer.status, answer.content_type, answer.body)
}

async fn post_raw(content_type: Option<&str>, body: &str) -> (StatusCode, Option<String>, String) {
    let mut builder = Request::post("/v1/validate");
    if let Some(content_type) = content_type {
        builder = builder.header(header::CONTENT_TYPE, content_type);
    }
    send(builder.body(Body::from(body.to_owned())).expect("request")).await
}

/// POSTs an envelope; returns the status and the parsed JSON answer.
async fn post(envelope: Value) -> (StatusCode, Value) {
    let (status, content_type, body) =
        post_raw(Some("application/json"), &envelope.to_string()).await;
    assert_eq!(content_type.as_deref(), Some("application/json"), "{body}");
    let value: Value = serde_json::from_str(&body).expect("JSON answer");
    (status, value)
}

async fn playbook(artifact: Value) -> (StatusCode, Value) {
    post(json!({"kind": "playbook", "artifact": artifact})).await
}

async fn fill(artifact: Value, context: Value) -> (StatusCode, Value) {
    post(json!({"kind": "fill", "artifact": artifact, "context": context})).await
}

fn assert_valid((status, body): (StatusCode, Value), kind: &str) {
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["valid"], json!(true));
    assert_eq!(body["kind"], json!(kind));
    assert!(body["elapsed_ms"].is_u64(), "{body}");
    assert!(body.get("error").is_none(), "{body}");
}

fn assert_error(
    (status, body): (StatusCode, Value),
    kind: &str,
    variant: &str,
    field: &str,
    reason: &str,
) {
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["valid"], json!(false));
    assert_eq!(body["kind"], json!(kind));
    assert!(body["elapsed_ms"].is_u64(), "{body}");
    assert_eq!(
        body["error"],
        json!({variant: {"field": field, "reason": reason}}),
        "{body}"
    );
}

async fn playbook_err(artifact: Value, variant: &str, field: &str, reason: &str) {
    assert_error(playbook(artifact).await, "playbook", variant, field, reason);
}

async fn fill_err(artifact: Value, context: Value, variant: &str, field: &str, reason: &str) {
    assert_error(
        fill(artifact, context).await,
        "fill",
        variant,
        field,
        reason,
    );
}

fn good_playbook() -> Value {
    json!({"operation": "fill: Welder x2 in Toledo, OH", "endorsed_names": ["W-1", "W-2"], "target_count": 2, "fingerprint": "abc123"})
}

fn with(mut base: Value, key: &str, value: Value) -> Value {
    base[key] = value;
    base
}

fn without(mut base: Value, key: &str) -> Value {
    if let Some(object) = base.as_object_mut() {
        object.remove(key);
    }
    base
}

fn toledo() -> Value {
    json!({"target_count": 2, "city": "Toledo", "client_id": "C-1"})
}

fn good_fills() -> Value {
    json!({"fills": [
        {"candidate_id": "W-1", "name": "Ada Brooks"},
        {"candidate_id": "W-7", "name": "Gus Lopez"}
    ]})
}

// ---------------------------------------------------------------- canonical six

#[tokio::test]
async fn canonical_playbook_happy() {
    assert_valid(playbook(good_playbook()).await, "playbook");
}

#[tokio::test]
async fn canonical_playbook_missing_fingerprint() {
    playbook_err(
        json!({"operation": "fill: X x1 in A, B", "endorsed_names": ["a"]}),
        "Schema",
        "fingerprint",
        "missing",
    )
    .await;
}

#[tokio::test]
async fn canonical_playbook_wrong_prefix() {
    playbook_err(
        json!({"operation": "sms_draft: hello", "endorsed_names": ["a"], "fingerprint": "x"}),
        "Policy",
        "operation",
        "unsupported operation",
    )
    .await;
}

#[tokio::test]
async fn canonical_playbook_empty_endorsed() {
    playbook_err(
        json!({"operation": "fill: X x1 in A, B", "endorsed_names": [], "fingerprint": "x"}),
        "Completeness",
        "endorsed_names",
        "empty",
    )
    .await;
}

#[tokio::test]
async fn canonical_playbook_overfull() {
    playbook_err(
        json!({"operation": "fill: X x1 in A, B", "endorsed_names": ["a", "b", "c"], "target_count": 1, "fingerprint": "x"}),
        "Consistency", "endorsed_names", "overfull: 3 > 1",
    )
    .await;
}

#[tokio::test]
async fn canonical_fill_phantom() {
    fill_err(
        json!({"fills": [{"candidate_id": "W-PHANTOM-NEVER-EXISTS", "name": "Nobody"}]}),
        json!({"target_count": 1, "city": "Toledo", "client_id": "C-1"}),
        "Consistency",
        "fills[0].candidate_id",
        "unknown candidate W-PHANTOM-NEVER-EXISTS",
    )
    .await;
}

// ---------------------------------------------------------------- wire shape

#[tokio::test]
async fn valid_answer_wire_shape() {
    let body = json!({"kind": "playbook", "artifact": good_playbook()}).to_string();
    let (status, content_type, text) = post_raw(Some("application/json"), &body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type.as_deref(), Some("application/json"));
    assert!(
        text.starts_with(r#"{"valid":true,"kind":"playbook","elapsed_ms":"#),
        "{text}"
    );
}

#[tokio::test]
async fn invalid_answer_wire_shape() {
    let body = json!({"kind": "playbook", "artifact": without(good_playbook(), "fingerprint")})
        .to_string();
    let (status, content_type, text) = post_raw(Some("application/json"), &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(content_type.as_deref(), Some("application/json"));
    assert!(
        text.starts_with(
            r#"{"valid":false,"kind":"playbook","error":{"Schema":{"field":"fingerprint","reason":"missing"}},"elapsed_ms":"#
        ),
        "{text}"
    );
}

// ---------------------------------------------------------------- artifact

#[tokio::test]
async fn artifact_missing() {
    for kind in ["playbook", "fill"] {
        let answer = post(json!({"kind": kind, "context": toledo()})).await;
        assert_error(answer, kind, "Schema", "artifact", "missing");
    }
}

#[tokio::test]
async fn artifact_not_an_object() {
    for kind in ["playbook", "fill"] {
        for artifact in [json!(null), json!([]), json!("x"), json!(1)] {
            let answer =
                post(json!({"kind": kind, "artifact": artifact, "context": toledo()})).await;
            assert_error(answer, kind, "Schema", "artifact", "expected object");
        }
    }
}

#[tokio::test]
async fn playbook_ignores_context() {
    let answer =
        post(json!({"kind": "playbook", "artifact": good_playbook(), "context": "anything"})).await;
    assert_valid(answer, "playbook");
}

// ---------------------------------------------------------------- playbook rules

#[tokio::test]
async fn p1_operation() {
    playbook_err(
        without(good_playbook(), "operation"),
        "Schema",
        "operation",
        "missing",
    )
    .await;
    playbook_err(
        with(good_playbook(), "operation", json!(null)),
        "Schema",
        "operation",
        "expected string",
    )
    .await;
    playbook_err(
        with(good_playbook(), "operation", json!(7)),
        "Schema",
        "operation",
        "expected string",
    )
    .await;
}

#[tokio::test]
async fn p2_endorsed_names() {
    playbook_err(
        without(good_playbook(), "endorsed_names"),
        "Schema",
        "endorsed_names",
        "missing",
    )
    .await;
    for bad in [
        json!(null),
        json!("W-1"),
        json!(["W-1", 2]),
        json!([null]),
        json!({}),
    ] {
        playbook_err(
            with(good_playbook(), "endorsed_names", bad),
            "Schema",
            "endorsed_names",
            "expected array of strings",
        )
        .await;
    }
}

#[tokio::test]
async fn p3_fingerprint() {
    for bad in [json!(""), json!(null), json!(1)] {
        playbook_err(
            with(good_playbook(), "fingerprint", bad),
            "Schema",
            "fingerprint",
            "missing",
        )
        .await;
    }
}

#[tokio::test]
async fn p1_to_p3_order() {
    // P1 is checked before P2 and P3, P2 before P3.
    playbook_err(json!({}), "Schema", "operation", "missing").await;
    playbook_err(
        json!({"operation": "x"}),
        "Schema",
        "endorsed_names",
        "missing",
    )
    .await;
    playbook_err(
        json!({"operation": "x", "endorsed_names": []}),
        "Schema",
        "fingerprint",
        "missing",
    )
    .await;
}

#[tokio::test]
async fn p4_prefix() {
    for op in [
        "Fill: X x1 in A",
        " fill: X x1 in A",
        "sms_draft: hello",
        "",
    ] {
        playbook_err(
            with(good_playbook(), "operation", json!(op)),
            "Policy",
            "operation",
            "unsupported operation",
        )
        .await;
    }
}

#[tokio::test]
async fn p5_grammar() {
    for op in [
        "fill:Welder x2 in Toledo",
        "fill: Welder x2",
        "fill: Welder 2 in Toledo",
        "fill: Welder x in Toledo",
        "fill: Welder x0 in Toledo",
        "fill: Welder x2147483648 in Toledo",
        "fill: Welder x\u{0662} in Toledo",
        "fill: Welder x2 in ",
        "fill:  x2 in Toledo",
    ] {
        playbook_err(
            json!({"operation": op, "endorsed_names": ["a"], "fingerprint": "x"}),
            "Schema",
            "operation",
            "malformed operation",
        )
        .await;
    }
    // Leading zeros are fine.
    assert_valid(
        playbook(json!({"operation": "fill: Welder x02 in Toledo", "endorsed_names": ["a"], "fingerprint": "x"})).await,
        "playbook",
    );
}

#[tokio::test]
async fn p4_p5_before_p6() {
    playbook_err(
        json!({"operation": "fill: nope", "endorsed_names": [], "fingerprint": "x"}),
        "Schema",
        "operation",
        "malformed operation",
    )
    .await;
}

#[tokio::test]
async fn p6_empty() {
    playbook_err(
        with(
            with(good_playbook(), "endorsed_names", json!([])),
            "target_count",
            json!("bad"),
        ),
        "Completeness",
        "endorsed_names",
        "empty",
    )
    .await;
}

#[tokio::test]
async fn p7_target_count() {
    for bad in [
        json!(0),
        json!(-1),
        json!(2.5),
        json!(2.0),
        json!("2"),
        json!(null),
        json!(2_147_483_648u64),
    ] {
        playbook_err(
            with(good_playbook(), "target_count", bad),
            "Schema",
            "target_count",
            "expected integer >= 1",
        )
        .await;
    }
}

#[tokio::test]
async fn p8_overfull() {
    // Against target_count.
    playbook_err(
        with(good_playbook(), "target_count", json!(1)),
        "Consistency",
        "endorsed_names",
        "overfull: 2 > 1",
    )
    .await;
    // Against the operation's count when target_count is absent.
    playbook_err(
        with(
            without(good_playbook(), "target_count"),
            "endorsed_names",
            json!(["a", "b", "c"]),
        ),
        "Consistency",
        "endorsed_names",
        "overfull: 3 > 2",
    )
    .await;
}

#[tokio::test]
async fn p9_mismatch() {
    playbook_err(
        with(good_playbook(), "target_count", json!(3)),
        "Consistency",
        "target_count",
        "mismatch",
    )
    .await;
}

#[tokio::test]
async fn playbook_without_target_count_is_valid() {
    assert_valid(
        playbook(without(good_playbook(), "target_count")).await,
        "playbook",
    );
    assert_valid(
        playbook(with(good_playbook(), "endorsed_names", json!(["only one"]))).await,
        "playbook",
    );
}

// ---------------------------------------------------------------- fill rules

#[tokio::test]
async fn fill_happy() {
    assert_valid(fill(good_fills(), toledo()).await, "fill");
}

#[tokio::test]
async fn f1_fills() {
    fill_err(json!({}), toledo(), "Schema", "fills", "missing").await;
    fill_err(
        json!({"fills": {}}),
        toledo(),
        "Schema",
        "fills",
        "expected array",
    )
    .await;
    fill_err(
        json!({"fills": null}),
        toledo(),
        "Schema",
        "fills",
        "expected array",
    )
    .await;
    fill_err(
        json!({"fills": [{"candidate_id": "W-1", "name": "Ada Brooks"}, "W-7"]}),
        toledo(),
        "Schema",
        "fills[1]",
        "expected object",
    )
    .await;
    fill_err(
        json!({"fills": [{"name": "Ada Brooks"}]}),
        toledo(),
        "Schema",
        "fills[0].candidate_id",
        "missing",
    )
    .await;
    fill_err(
        json!({"fills": [{"candidate_id": 1, "name": "Ada Brooks"}]}),
        toledo(),
        "Schema",
        "fills[0].candidate_id",
        "expected string",
    )
    .await;
    fill_err(
        json!({"fills": [{"candidate_id": "W-1"}]}),
        toledo(),
        "Schema",
        "fills[0].name",
        "missing",
    )
    .await;
    fill_err(
        json!({"fills": [{"candidate_id": "W-1", "name": null}]}),
        toledo(),
        "Schema",
        "fills[0].name",
        "expected string",
    )
    .await;
    // Fill 0 entirely before fill 1.
    fill_err(
        json!({"fills": [{"candidate_id": "W-1"}, {"name": "x"}]}),
        toledo(),
        "Schema",
        "fills[0].name",
        "missing",
    )
    .await;
    // F1 before F2.
    fill_err(json!({}), json!(null), "Schema", "fills", "missing").await;
}

#[tokio::test]
async fn f2_context() {
    let answer = post(json!({"kind": "fill", "artifact": good_fills()})).await;
    assert_error(answer, "fill", "Schema", "context", "missing");
    for bad in [json!(null), json!([]), json!("Toledo")] {
        fill_err(good_fills(), bad, "Schema", "context", "expected object").await;
    }
    fill_err(
        good_fills(),
        without(toledo(), "target_count"),
        "Schema",
        "context.target_count",
        "missing",
    )
    .await;
    for bad in [json!(0), json!(1.5), json!("1"), json!(null)] {
        fill_err(
            good_fills(),
            with(toledo(), "target_count", bad),
            "Schema",
            "context.target_count",
            "expected integer >= 1",
        )
        .await;
    }
    fill_err(
        good_fills(),
        without(toledo(), "city"),
        "Schema",
        "context.city",
        "missing",
    )
    .await;
    fill_err(
        good_fills(),
        with(toledo(), "city", json!(1)),
        "Schema",
        "context.city",
        "expected string",
    )
    .await;
    fill_err(
        good_fills(),
        without(toledo(), "client_id"),
        "Schema",
        "context.client_id",
        "missing",
    )
    .await;
    fill_err(
        good_fills(),
        with(toledo(), "client_id", json!(null)),
        "Schema",
        "context.client_id",
        "expected string",
    )
    .await;
    // F2 before F3.
    fill_err(
        json!({"fills": []}),
        json!({}),
        "Schema",
        "context.target_count",
        "missing",
    )
    .await;
}

#[tokio::test]
async fn f3_empty() {
    fill_err(
        json!({"fills": []}),
        toledo(),
        "Completeness",
        "fills",
        "empty",
    )
    .await;
}

#[tokio::test]
async fn f4_unknown_candidate() {
    fill_err(
        json!({"fills": [
            {"candidate_id": "W-1", "name": "wrong name"},
            {"candidate_id": "w-7", "name": "Gus Lopez"}
        ]}),
        toledo(),
        "Consistency",
        "fills[1].candidate_id",
        "unknown candidate w-7",
    )
    .await;
}

#[tokio::test]
async fn f5_name_mismatch() {
    fill_err(
        json!({"fills": [
            {"candidate_id": "W-1", "name": "Ada Brooks"},
            {"candidate_id": "W-7", "name": "gus lopez"},
            {"candidate_id": "W-1", "name": "Ada Brooks"}
        ]}),
        toledo(),
        "Consistency",
        "fills[1].name",
        "name mismatch",
    )
    .await;
}

#[tokio::test]
async fn f6_duplicate_reports_second_occurrence() {
    fill_err(
        json!({"fills": [
            {"candidate_id": "W-2", "name": "Ben Ito"},
            {"candidate_id": "W-1", "name": "Ada Brooks"},
            {"candidate_id": "W-2", "name": "Ben Ito"}
        ]}),
        toledo(),
        "Consistency",
        "fills[2].candidate_id",
        "duplicate",
    )
    .await;
}

#[tokio::test]
async fn f7_city_mismatch() {
    fill_err(
        json!({"fills": [
            {"candidate_id": "W-1", "name": "Ada Brooks"},
            {"candidate_id": "W-2", "name": "Ben Ito"}
        ]}),
        toledo(),
        "Policy",
        "fills[1].candidate_id",
        "city mismatch",
    )
    .await;
    fill_err(
        good_fills(),
        with(toledo(), "city", json!("toledo")),
        "Policy",
        "fills[0].candidate_id",
        "city mismatch",
    )
    .await;
}

#[tokio::test]
async fn f8_overfull() {
    fill_err(
        good_fills(),
        with(toledo(), "target_count", json!(1)),
        "Consistency",
        "fills",
        "overfull: 2 > 1",
    )
    .await;
}

// ---------------------------------------------------------------- envelope and routes

#[tokio::test]
async fn health() {
    let (status, _, body) = send(
        Request::get("/health")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "ok");
}

#[tokio::test]
async fn envelope_rejections_are_4xx() {
    let cases: [(Option<&str>, &str); 8] = [
        (Some("application/json"), "not json"),
        (Some("application/json"), r#"{"kind": "sms"}"#),
        (
            Some("application/json"),
            r#"{"kind": "Playbook", "artifact": {}}"#,
        ),
        (Some("application/json"), r#"{"artifact": {}}"#),
        (Some("application/json"), r#"["playbook", {}]"#),
        (Some("application/json"), r#""playbook""#),
        (
            Some("text/plain"),
            r#"{"kind": "playbook", "artifact": {}}"#,
        ),
        (None, r#"{"kind": "playbook", "artifact": {}}"#),
    ];
    for (content_type, body) in cases {
        let (status, _, text) = post_raw(content_type, body).await;
        assert!(status.is_client_error(), "{body:?} -> {status} {text}");
        assert!(
            !text.contains("\"valid\""),
            "{body:?} was validated: {text}"
        );
    }
}

#[tokio::test]
async fn unknown_route_and_method() {
    let (status, _, _) = send(
        Request::get("/v1/validate")
            .body(Body::empty())
            .expect("request"),
    )
    .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    let (status, _, _) = send(Request::get("/nope").body(Body::empty()).expect("request")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
