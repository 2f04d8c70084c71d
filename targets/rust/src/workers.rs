//! `GET /v1/workers` and `GET /v1/workers/{id}`: the roster as a resource.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum_extra::extract::Query;
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ValidationError};
use crate::operation::parse_digits;
use crate::roster::{Roster, Worker};

/// Page size when `limit` is absent.
pub const DEFAULT_LIMIT: u64 = 20;
/// Largest page size.
pub const MAX_LIMIT: u64 = 100;

/// The query string of `GET /v1/workers`, as sent. `role` may be repeated;
/// an empty `city`, `limit` or `offset` counts as absent.
#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    pub city: Option<String>,
    #[serde(default)]
    pub role: Vec<String>,
    pub limit: Option<String>,
    pub offset: Option<String>,
}

/// A checked `ListParams`: which workers, and which page of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub city: Option<String>,
    pub roles: Vec<String>,
    pub limit: u64,
    pub offset: u64,
}

impl Filter {
    /// Checks `city`, each `role`, `limit` and `offset`, in that order.
    pub fn parse(params: ListParams, roster: &Roster) -> Result<Self, ValidationError> {
        if let Some(city) = &params.city
            && !roster.has_city(city)
        {
            return Err(ValidationError::consistency(
                "city",
                format!("unknown city {city}"),
            ));
        }
        for (i, role) in params.role.iter().enumerate() {
            if !roster.has_role(role) {
                return Err(ValidationError::consistency(
                    format!("role[{i}]"),
                    format!("unknown role {role}"),
                ));
            }
        }
        let limit = match params.limit.as_deref() {
            None => DEFAULT_LIMIT,
            Some(text) => parse_digits(text)
                .filter(|n| (1..=MAX_LIMIT).contains(n))
                .ok_or_else(|| {
                    ValidationError::schema("limit", "expected integer between 1 and 100")
                })?,
        };
        let offset = match params.offset.as_deref() {
            None => 0,
            Some(text) => parse_digits(text)
                .ok_or_else(|| ValidationError::schema("offset", "expected integer >= 0"))?,
        };
        Ok(Self {
            city: params.city,
            roles: params.role,
            limit,
            offset,
        })
    }

    pub fn matches(&self, worker: &Worker) -> bool {
        self.city.as_ref().is_none_or(|city| worker.city == *city)
            && (self.roles.is_empty() || self.roles.contains(&worker.role))
    }
}

/// A page of the workers that match a filter, in roster order.
#[derive(Debug, Serialize)]
pub struct Page {
    pub workers: Vec<Worker>,
    pub total: usize,
    pub limit: u64,
    pub offset: u64,
}

impl Page {
    pub fn of(roster: &Roster, filter: &Filter) -> Self {
        let matching: Vec<&Worker> = roster
            .workers()
            .iter()
            .filter(|worker| filter.matches(worker))
            .collect();
        let total = matching.len();
        let skip = usize::try_from(filter.offset).unwrap_or(usize::MAX);
        let take = usize::try_from(filter.limit).unwrap_or(usize::MAX);
        let workers = matching
            .into_iter()
            .skip(skip)
            .take(take)
            .cloned()
            .collect();
        Self {
            workers,
            total,
            limit: filter.limit,
            offset: filter.offset,
        }
    }
}

pub async fn list(
    State(roster): State<Arc<Roster>>,
    Query(params): Query<ListParams>,
) -> Result<Json<Page>, ApiError> {
    let filter = Filter::parse(params, &roster)?;
    Ok(Json(Page::of(&roster, &filter)))
}

pub async fn get(
    State(roster): State<Arc<Roster>>,
    Path(id): Path<String>,
) -> Result<Json<Worker>, ApiError> {
    roster
        .get(&id)
        .cloned()
        .map(Json)
        .ok_or(ApiError::UnknownWorker(id))
}
