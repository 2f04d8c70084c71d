//! `POST /v1/clients/{client_id}/fills`: validates a fill for one client.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::ValidationError;
use crate::roster::Roster;
use crate::validate;

/// The answer to a client's fill: 200 when valid, 422 otherwise.
#[derive(Debug, Serialize)]
pub struct FillOutcome {
    pub valid: bool,
    pub client_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ValidationError>,
    pub elapsed_ms: u64,
}

impl FillOutcome {
    pub fn new(client_id: String, result: Result<(), ValidationError>, elapsed: Duration) -> Self {
        Self {
            valid: result.is_ok(),
            client_id,
            error: result.err(),
            elapsed_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

impl IntoResponse for FillOutcome {
    fn into_response(self) -> Response {
        let status = if self.valid {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        (status, Json(self)).into_response()
    }
}

/// The body is the fill artifact with the context under `context`; the
/// path's client id is the context's `client_id`, replacing any sent.
pub async fn validate_fills(
    State(roster): State<Arc<Roster>>,
    Path(client_id): Path<String>,
    Json(mut body): Json<Map<String, Value>>,
) -> FillOutcome {
    let started = Instant::now();
    let mut context = body.remove("context");
    if let Some(Value::Object(context)) = &mut context {
        context.insert("client_id".to_owned(), Value::String(client_id.clone()));
    }
    let result = validate::fill(&body, context.as_ref(), &roster);
    FillOutcome::new(client_id, result, started.elapsed())
}
