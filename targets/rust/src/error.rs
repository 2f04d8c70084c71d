//! The validation error returned to clients.

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
