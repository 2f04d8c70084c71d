//! HTTP request and response types for `/v1/validate`.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::value::MapAccessDeserializer;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::error::ValidationError;
use crate::roster::Roster;
use crate::validate::{self, Kind};

/// The request envelope.
#[derive(Debug, Deserialize)]
pub struct ValidateRequest {
    pub kind: Kind,
    /// `Some(Value::Null)` when the key is present with `null`.
    #[serde(default, deserialize_with = "present")]
    pub artifact: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub context: Option<Value>,
}

/// Keeps an explicit `null` distinct from an absent key.
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(deserializer).map(Some)
}

/// Deserialises `T` from a JSON object only. A derived struct impl also
/// accepts a JSON array (fields by position); the contract rejects it.
#[derive(Debug)]
pub struct ObjectOnly<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ObjectOnly<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
            type Value = ObjectOnly<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(ObjectOnly)
            }
        }

        deserializer.deserialize_map(ObjectVisitor(PhantomData))
    }
}

/// The answer to a validation: 200 when valid, 422 otherwise. `subject`
/// says what was validated (`{"kind": …}`, `{"client_id": …}`), between
/// `valid` and `error`.
#[derive(Debug, Serialize)]
pub struct Outcome<S> {
    pub valid: bool,
    #[serde(flatten)]
    pub subject: S,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ValidationError>,
    pub elapsed_ms: u64,
}

/// What `/v1/validate` validated: an artifact of a kind.
#[derive(Debug, Serialize)]
pub struct OfKind {
    pub kind: Kind,
}

impl<S> Outcome<S> {
    pub fn new(subject: S, result: Result<(), ValidationError>, elapsed: Duration) -> Self {
        Self {
            valid: result.is_ok(),
            subject,
            error: result.err(),
            elapsed_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

impl<S: Serialize> IntoResponse for Outcome<S> {
    fn into_response(self) -> Response {
        let status = if self.valid {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        (status, Json(self)).into_response()
    }
}

pub async fn health() -> &'static str {
    "ok"
}

pub async fn validate(
    State(roster): State<Arc<Roster>>,
    Json(ObjectOnly(request)): Json<ObjectOnly<ValidateRequest>>,
) -> Outcome<OfKind> {
    let started = Instant::now();
    let result = validate::validate(
        request.kind,
        request.artifact.as_ref(),
        request.context.as_ref(),
        &roster,
    );
    Outcome::new(OfKind { kind: request.kind }, result, started.elapsed())
}
