//! `POST /v1/clients/{client_id}/fills`: validates a fill for one client.

use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::api::Outcome;
use crate::roster::Roster;
use crate::validate;

/// What a client's fill validation validated: a fill for this client.
#[derive(Debug, Serialize)]
pub struct OfClient {
    pub client_id: String,
}

/// The body is the fill artifact with the context under `context`; the
/// path's client id is the context's `client_id`, replacing any sent.
pub async fn validate_fills(
    State(roster): State<Arc<Roster>>,
    Path(client_id): Path<String>,
    Json(mut body): Json<Map<String, Value>>,
) -> Outcome<OfClient> {
    let started = Instant::now();
    let mut context = body.remove("context");
    if let Some(Value::Object(context)) = &mut context {
        context.insert("client_id".to_owned(), Value::String(client_id.clone()));
    }
    let result = validate::fill(&body, context.as_ref(), &roster);
    Outcome::new(OfClient { client_id }, result, started.elapsed())
}
