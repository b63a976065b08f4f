//! The HTTP error: every failure leaves the Worker as a status and `{"error":{"code","message"}}`
//! (plus `field` for input errors). Lower layers' errors are mapped here, once.

use serde_json::json;
use worker::Response;

use crate::crypto::CryptoError;
use crate::domain::token::TokenError;
use crate::domain::DomainError;
use crate::realtime::wire::RoomError;
use crate::store::StoreError;

#[derive(Debug)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    pub retry_after_secs: Option<i64>,
    pub allow: Option<&'static str>,
}

impl ApiError {
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), field: None, retry_after_secs: None, allow: None }
    }

    pub fn not_found(what: &str) -> Self {
        ApiError::new(404, "not_found", format!("{what} not found"))
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        ApiError::new(401, "unauthorized", message)
    }

    pub fn method_not_allowed(allow: &'static str) -> Self {
        let mut e = ApiError::new(405, "method_not_allowed", format!("this path accepts {allow}"));
        e.allow = Some(allow);
        e
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        ApiError::from(DomainError::invalid(field, message))
    }

    pub fn too_many(message: impl Into<String>, retry_after_secs: i64) -> Self {
        let mut e = ApiError::new(429, "rate_limited", message);
        e.retry_after_secs = Some(retry_after_secs.max(1));
        e
    }

    pub fn internal(detail: impl std::fmt::Display) -> Self {
        worker::console_error!("internal error: {detail}");
        ApiError::new(500, "internal", "something went wrong on our side; please retry")
    }

    pub fn into_response(self) -> worker::Result<Response> {
        let mut body = json!({ "code": self.code, "message": self.message });
        if let Some(field) = &self.field {
            body["field"] = json!(field);
        }
        let text = json!({ "error": body }).to_string();
        let mut response = super::json_text(self.status, text)?;
        let headers = response.headers_mut();
        if let Some(secs) = self.retry_after_secs {
            headers.set("retry-after", &secs.to_string())?;
        }
        if let Some(allow) = self.allow {
            headers.set("allow", allow)?;
        }
        if self.status == 401 {
            headers.set("www-authenticate", "Bearer")?;
        }
        Ok(response)
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Invalid { field, message } => {
                let mut err = ApiError::new(422, "invalid_field", format!("{field} {message}"));
                err.field = Some(field);
                err
            }
            DomainError::Forbidden(m) => ApiError::new(403, "forbidden", m),
            DomainError::Conflict { code, message } => ApiError::new(409, code, message),
        }
    }
}

impl From<RoomError> for ApiError {
    fn from(e: RoomError) -> Self {
        let message = match &e.field {
            Some(field) => format!("{field} {}", e.message),
            None => e.message,
        };
        let mut err = ApiError::new(e.kind.status(), e.kind.code(), message);
        err.field = e.field;
        err
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unique(columns) => ApiError::new(409, "conflict", format!("a record with the same {columns} already exists")),
            StoreError::Db(text) => ApiError::internal(format!("database: {text}")),
        }
    }
}

impl From<CryptoError> for ApiError {
    fn from(e: CryptoError) -> Self {
        ApiError::internal(format!("crypto: {}", e.0))
    }
}

impl From<worker::Error> for ApiError {
    fn from(e: worker::Error) -> Self {
        ApiError::internal(format!("runtime: {e}"))
    }
}

impl From<TokenError> for ApiError {
    fn from(e: TokenError) -> Self {
        match e {
            TokenError::Internal => ApiError::internal("token processing"),
            TokenError::Expired => ApiError::new(401, "token_expired", e.message()),
            other => ApiError::unauthorized(other.message()),
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
