//! D1 access: all SQL of the Worker lives under this module, one function per query, named for what
//! it returns or does. Every function that reads tenant data takes the tenant id and filters by it.

pub mod api_keys;
pub mod audit;
pub mod canned;
pub mod conversations;
pub mod events;
pub mod inbox;
pub mod departments;
pub mod operators;
pub mod sessions;
pub mod settings;
pub mod tenants;
pub mod visitors;
pub mod throttle;

use serde::de::DeserializeOwned;
use worker::wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Env};

/// The one error type of the store layer.
#[derive(Debug)]
pub enum StoreError {
    /// A UNIQUE constraint refused the write; the text names the constraint's columns.
    Unique(String),
    Db(String),
}

impl From<worker::Error> for StoreError {
    fn from(e: worker::Error) -> Self {
        let text = e.to_string();
        match text.find("UNIQUE constraint failed: ") {
            Some(at) => StoreError::Unique(text[at + 26..].split(':').next().unwrap_or("").trim().to_string()),
            None => StoreError::Db(text),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

pub fn text(s: &str) -> JsValue {
    JsValue::from_str(s)
}

pub fn int(n: i64) -> JsValue {
    JsValue::from_f64(n as f64)
}

pub fn opt_text(s: Option<&str>) -> JsValue {
    s.map(JsValue::from_str).unwrap_or(JsValue::NULL)
}

pub struct Store {
    db: D1Database,
}

impl Store {
    pub fn from_env(env: &Env) -> StoreResult<Store> {
        Ok(Store { db: env.d1("DB")? })
    }

    /// Same as `from_env`, for callers holding a `worker::Result`.
    pub fn open(env: &Env) -> worker::Result<Store> {
        Ok(Store { db: env.d1("DB")? })
    }

    pub fn stmt(&self, sql: &str, args: &[JsValue]) -> StoreResult<D1PreparedStatement> {
        Ok(self.db.prepare(sql).bind(args)?)
    }

    pub async fn first<T: DeserializeOwned>(&self, sql: &str, args: &[JsValue]) -> StoreResult<Option<T>> {
        Ok(self.stmt(sql, args)?.first::<T>(None).await?)
    }

    pub async fn all<T: DeserializeOwned>(&self, sql: &str, args: &[JsValue]) -> StoreResult<Vec<T>> {
        Ok(self.stmt(sql, args)?.all().await?.results::<T>()?)
    }

    /// Runs one statement and returns how many rows it changed.
    pub async fn run(&self, sql: &str, args: &[JsValue]) -> StoreResult<usize> {
        let result = self.stmt(sql, args)?.run().await?;
        Ok(result.meta()?.and_then(|m| m.changes).unwrap_or(0))
    }

    /// Runs statements in one transaction and returns each statement's result.
    pub async fn batch_results(&self, statements: Vec<D1PreparedStatement>) -> StoreResult<Vec<worker::D1Result>> {
        let results = self.db.batch(statements).await?;
        match results.iter().find_map(|r| r.error()) {
            Some(e) => Err(StoreError::Db(e)),
            None => Ok(results),
        }
    }

    /// Runs statements in one transaction: all of them or none.
    pub async fn batch(&self, statements: Vec<D1PreparedStatement>) -> StoreResult<()> {
        let results = self.db.batch(statements).await?;
        match results.iter().find_map(|r| r.error()) {
            Some(e) => Err(StoreError::Db(e)),
            None => Ok(()),
        }
    }
}

#[derive(serde::Deserialize)]
pub struct Count {
    pub n: i64,
}
