//! validatord-rs: the Rust reference runtime of the `/v1/validate` contract.

pub mod api;
pub mod error;
pub mod operation;
pub mod roster;
pub mod validate;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

pub use error::ValidationError;
pub use roster::Roster;
pub use validate::Kind;

/// The service's router, without a socket: `app(roster).oneshot(request)`.
pub fn app(roster: Arc<Roster>) -> Router {
    Router::new()
        .route("/health", get(api::health))
        .route("/v1/validate", post(api::validate))
        .with_state(roster)
}
