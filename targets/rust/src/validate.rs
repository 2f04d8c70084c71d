//! The contract's rules as pure functions over `serde_json::Value`.
//! Rules are checked in the contract's order; the first failure wins.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::ValidationError;
use crate::operation::{MAX_COUNT, Operation};
use crate::roster::{Roster, Worker};

type Object = Map<String, Value>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Playbook,
    Fill,
}

/// Validates one artifact of the given kind. `context` is ignored for playbooks.
pub fn validate(
    kind: Kind,
    artifact: Option<&Value>,
    context: Option<&Value>,
    roster: &Roster,
) -> Result<(), ValidationError> {
    let artifact = match artifact {
        None => return Err(ValidationError::schema("artifact", "missing")),
        Some(value) => value
            .as_object()
            .ok_or_else(|| ValidationError::schema("artifact", "expected object"))?,
    };
    match kind {
        Kind::Playbook => playbook(artifact),
        Kind::Fill => fill(artifact, context, roster),
    }
}

/// Playbook rules P1 to P9.
pub fn playbook(artifact: &Object) -> Result<(), ValidationError> {
    // P1
    let operation = required_str(artifact, "operation", "operation")?;

    // P2
    let endorsed_names = match artifact.get("endorsed_names") {
        None => return Err(ValidationError::schema("endorsed_names", "missing")),
        Some(value) => value
            .as_array()
            .filter(|names| names.iter().all(Value::is_string))
            .ok_or_else(|| {
                ValidationError::schema("endorsed_names", "expected array of strings")
            })?,
    };

    // P3
    if !matches!(artifact.get("fingerprint"), Some(Value::String(s)) if !s.is_empty()) {
        return Err(ValidationError::schema("fingerprint", "missing"));
    }

    // P4
    if !operation.starts_with("fill:") {
        return Err(ValidationError::policy(
            "operation",
            "unsupported operation",
        ));
    }

    // P5
    let operation = Operation::parse(operation)
        .ok_or_else(|| ValidationError::schema("operation", "malformed operation"))?;

    // P6
    if endorsed_names.is_empty() {
        return Err(ValidationError::completeness("endorsed_names", "empty"));
    }

    // P7
    let target_count = match artifact.get("target_count") {
        None => None,
        Some(value) => Some(
            positive_int(value)
                .ok_or_else(|| ValidationError::schema("target_count", "expected integer >= 1"))?,
        ),
    };

    // P8
    let endorsed = endorsed_names.len();
    let limit = target_count.unwrap_or(operation.count);
    if endorsed as u64 > limit {
        return Err(ValidationError::consistency(
            "endorsed_names",
            format!("overfull: {endorsed} > {limit}"),
        ));
    }

    // P9
    if let Some(target_count) = target_count
        && target_count != operation.count
    {
        return Err(ValidationError::consistency("target_count", "mismatch"));
    }

    Ok(())
}

struct FillEntry<'a> {
    candidate_id: &'a str,
    name: &'a str,
}

/// Fill rules F1 to F8.
pub fn fill(
    artifact: &Object,
    context: Option<&Value>,
    roster: &Roster,
) -> Result<(), ValidationError> {
    // F1
    let fills = match artifact.get("fills") {
        None => return Err(ValidationError::schema("fills", "missing")),
        Some(value) => value
            .as_array()
            .ok_or_else(|| ValidationError::schema("fills", "expected array"))?,
    };
    let mut entries = Vec::with_capacity(fills.len());
    for (i, fill) in fills.iter().enumerate() {
        let fill = fill
            .as_object()
            .ok_or_else(|| ValidationError::schema(format!("fills[{i}]"), "expected object"))?;
        let candidate_id = required_str(fill, "candidate_id", &format!("fills[{i}].candidate_id"))?;
        let name = required_str(fill, "name", &format!("fills[{i}].name"))?;
        entries.push(FillEntry { candidate_id, name });
    }

    // F2
    let context = match context {
        None => return Err(ValidationError::schema("context", "missing")),
        Some(value) => value
            .as_object()
            .ok_or_else(|| ValidationError::schema("context", "expected object"))?,
    };
    let target_count = match context.get("target_count") {
        None => return Err(ValidationError::schema("context.target_count", "missing")),
        Some(value) => positive_int(value).ok_or_else(|| {
            ValidationError::schema("context.target_count", "expected integer >= 1")
        })?,
    };
    let city = required_str(context, "city", "context.city")?;
    required_str(context, "client_id", "context.client_id")?;

    // F3
    if entries.is_empty() {
        return Err(ValidationError::completeness("fills", "empty"));
    }

    // F4
    let workers = entries
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            roster.get(entry.candidate_id).ok_or_else(|| {
                ValidationError::consistency(
                    format!("fills[{i}].candidate_id"),
                    format!("unknown candidate {}", entry.candidate_id),
                )
            })
        })
        .collect::<Result<Vec<&Worker>, _>>()?;

    // F5
    for (i, (entry, worker)) in entries.iter().zip(&workers).enumerate() {
        if entry.name != worker.name {
            return Err(ValidationError::consistency(
                format!("fills[{i}].name"),
                "name mismatch",
            ));
        }
    }

    // F6
    let mut seen = HashSet::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        if !seen.insert(entry.candidate_id) {
            return Err(ValidationError::consistency(
                format!("fills[{i}].candidate_id"),
                "duplicate",
            ));
        }
    }

    // F7
    for (i, worker) in workers.iter().enumerate() {
        if worker.city != city {
            return Err(ValidationError::policy(
                format!("fills[{i}].candidate_id"),
                "city mismatch",
            ));
        }
    }

    // F8
    let filled = entries.len();
    if filled as u64 > target_count {
        return Err(ValidationError::consistency(
            "fills",
            format!("overfull: {filled} > {target_count}"),
        ));
    }

    Ok(())
}

/// `key` present and a string; `field` names it in the error.
fn required_str<'a>(
    object: &'a Object,
    key: &str,
    field: &str,
) -> Result<&'a str, ValidationError> {
    match object.get(key) {
        None => Err(ValidationError::schema(field, "missing")),
        Some(value) => value
            .as_str()
            .ok_or_else(|| ValidationError::schema(field, "expected string")),
    }
}

/// A JSON integer (as serde_json reads it) in `1..=2^31-1`.
fn positive_int(value: &Value) -> Option<u64> {
    value.as_u64().filter(|n| (1..=MAX_COUNT).contains(n))
}
