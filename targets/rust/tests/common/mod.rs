//! What the router tests share: the shared roster, and one request sent
//! through the router without a socket.

use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
use validatord_rs::{Roster, app};

pub fn roster() -> Arc<Roster> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../roster.json");
    Arc::new(Roster::load(&path).expect("shared roster loads"))
}

/// One answer: its status, `Content-Type` and body text.
pub struct Answer {
    pub status: StatusCode,
    pub content_type: Option<String>,
    pub body: String,
}

impl Answer {
    /// The body as JSON; the answer must say it is JSON.
    #[allow(dead_code)] // not every test crate reads JSON through it
    pub fn json(&self) -> Value {
        assert_eq!(
            self.content_type.as_deref(),
            Some("application/json"),
            "{}",
            self.body
        );
        serde_json::from_str(&self.body).expect("JSON answer")
    }
}

pub async fn send(request: Request<Body>) -> Answer {
    let response = app(roster()).oneshot(request).await.expect("infallible");
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    let body = String::from_utf8(bytes.to_vec()).expect("utf-8 body");
    Answer {
        status,
        content_type,
        body,
    }
}
