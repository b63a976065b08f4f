//! The one error type of the domain layer: what was wrong with the input or the request, never how
//! it is shown (that mapping lives once in `http::error`).

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainError {
    /// A field failed to parse; `field` names it as the client sent it.
    Invalid { field: String, message: String },
    /// The actor may not do this (role rules).
    Forbidden(String),
    /// The request conflicts with the current state (e.g. deleting the default department).
    Conflict { code: &'static str, message: String },
}

impl DomainError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        DomainError::Invalid { field: field.into(), message: message.into() }
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        DomainError::Forbidden(message.into())
    }
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        DomainError::Conflict { code, message: message.into() }
    }
    /// The same error reported under another field name (used when a parser is applied to a list item).
    pub fn at(self, field: impl Into<String>) -> Self {
        match self {
            DomainError::Invalid { message, .. } => DomainError::Invalid { field: field.into(), message },
            other => other,
        }
    }
}

impl fmt::Display for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DomainError::Invalid { field, message } => write!(f, "{field}: {message}"),
            DomainError::Forbidden(m) => write!(f, "{m}"),
            DomainError::Conflict { message, .. } => write!(f, "{message}"),
        }
    }
}
