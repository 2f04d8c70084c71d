//! validatord-rs: the Rust reference runtime of the contract in docs/contract.md.

pub mod api;
pub mod clients;
pub mod error;
pub mod operation;
pub mod roster;
pub mod validate;
pub mod workers;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

pub use error::{ApiError, ValidationError};
pub use roster::Roster;
pub use validate::Kind;

/// The service's router, without a socket: `app(roster).oneshot(request)`.
pub fn app(roster: Arc<Roster>) -> Router {
    Router::new()
        .route("/health", get(api::health))
        .route("/v1/validate", post(api::validate))
        .route("/v1/workers", get(workers::list))
        .route("/v1/workers/{id}", get(workers::get))
        .route(
            "/v1/clients/{client_id}/fills",
            post(clients::validate_fills),
        )
        .with_state(roster)
}
