//! The errors returned to clients: the contract's validation error, and the
//! error answers of the resource routes.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A failed contract rule. Serialised with serde's default, externally
/// tagged representation: `{"Schema":{"field":"fingerprint","reason":"missing"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum ValidationError {
    Schema { field: String, reason: String },
    Completeness { field: String, reason: String },
    Consistency { field: String, reason: String },
    Policy { field: String, reason: String },
}

impl ValidationError {
    pub fn schema(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Schema {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub fn completeness(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Completeness {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub fn consistency(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Consistency {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub fn policy(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Policy {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// Why a request to a resource route (`/v1/workers…`) is answered with an
/// error. The body is `{"error": E}`, `E` a [`ValidationError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// 404: no roster worker has this id.
    UnknownWorker(String),
    /// 400: a query parameter has a value the contract does not accept.
    BadParameter(ValidationError),
}

impl From<ValidationError> for ApiError {
    fn from(error: ValidationError) -> Self {
        Self::BadParameter(error)
    }
}

#[derive(Serialize)]
struct ErrorBody {
    error: ValidationError,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, error) = match self {
            Self::UnknownWorker(id) => (
                StatusCode::NOT_FOUND,
                ValidationError::consistency("id", format!("unknown worker {id}")),
            ),
            Self::BadParameter(error) => (StatusCode::BAD_REQUEST, error),
        };
        (status, Json(ErrorBody { error })).into_response()
    }
}
