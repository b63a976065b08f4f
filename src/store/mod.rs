//! D1 access: all SQL of the Worker lives under this module, one function per query, named for what
//! it returns or does. Tenant data is reached through a tenant-scoped handle, `store.tenant(id)`
//! (`TenantStore`), whose every query binds that tenant's id: a handler cannot forget the filter.
//! What `Store` itself answers is either not tenant data (throttles, the signup's new tenant, what a
//! room writes for its own conversation) or a lookup keyed by a credential, named so
//! (`api_key_by_credential`, `operator_by_login_email`, `refresh_token_by_credential_hash`,
//! `operator_by_session_subject`, `attachment_by_signed_key`): the credential proves the tenant.

pub mod api_keys;
pub mod attachments;
pub mod audit;
pub mod bot;
pub mod canned;
pub mod categories;
pub mod conversations;
pub mod events;
pub mod exports;
pub mod faults;
pub mod inbox;
pub mod departments;
pub mod operators;
pub mod ratings;
pub mod sessions;
pub mod settings;
pub mod tenants;
pub mod uploads;
pub mod visitors;
pub mod widget_context;
pub mod follow;
pub mod throttle;

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;

use worker::js_sys::{Array, Function, Reflect};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::{D1Database, D1PreparedStatement, Env};

/// The one error type of the store layer.
#[derive(Debug)]
pub enum StoreError {
    /// A UNIQUE constraint refused the write; the text names the constraint's columns.
    Unique(String),
    Db(String),
}

impl StoreError {
    fn from_text(text: String) -> StoreError {
        match text.find("UNIQUE constraint failed: ") {
            Some(at) => StoreError::Unique(text[at + 26..].split(':').next().unwrap_or("").trim().to_string()),
            None => StoreError::Db(text),
        }
    }

    /// A rejected D1 promise: its message, and its cause's, where D1 puts the SQLite error.
    fn from_js(e: JsValue) -> StoreError {
        let message = |v: &JsValue| v.dyn_ref::<worker::js_sys::Error>().map(|e| String::from(e.message())).or_else(|| v.as_string()).unwrap_or_default();
        let cause = Reflect::get(&e, &JsValue::from_str("cause")).ok().filter(|c| !c.is_undefined()).map(|c| message(&c)).unwrap_or_default();
        StoreError::from_text(format!("{} {cause}", message(&e)))
    }
}

impl From<worker::Error> for StoreError {
    fn from(e: worker::Error) -> Self {
        StoreError::from_text(e.to_string())
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A boxed query future: awaited from ~150 places, it is not worth inlining into each caller.
pub type Query<'a, T> = Pin<Box<dyn Future<Output = StoreResult<T>> + 'a>>;

pub fn text(s: &str) -> JsValue {
    JsValue::from_str(s)
}

pub fn int(n: i64) -> JsValue {
    JsValue::from_f64(n as f64)
}

pub fn opt_text(s: Option<&str>) -> JsValue {
    s.map(JsValue::from_str).unwrap_or(JsValue::NULL)
}

/// One result row as D1 returns it (a JS object), read column by column. Reading rows by hand
/// instead of through a derived deserializer per row type keeps the wasm much smaller.
pub struct Row(JsValue);

impl Row {
    fn get(&self, column: &str) -> JsValue {
        Reflect::get(&self.0, &JsValue::from_str(column)).unwrap_or(JsValue::UNDEFINED)
    }
    pub fn str(&self, column: &str) -> String {
        self.get(column).as_string().unwrap_or_default()
    }
    pub fn opt_str(&self, column: &str) -> Option<String> {
        self.get(column).as_string()
    }
    pub fn i64(&self, column: &str) -> i64 {
        self.opt_i64(column).unwrap_or(0)
    }
    pub fn opt_i64(&self, column: &str) -> Option<i64> {
        self.get(column).as_f64().map(|f| f as i64)
    }
}

/// A row type built from a `Row`; the columns are ours, so a missing one reads as empty or zero.
pub trait FromRow: Sized {
    fn from_row(row: &Row) -> Self;
}

/// The result of one statement of a batch.
pub struct Outcome(JsValue);

impl Outcome {
    pub fn changes(&self) -> usize {
        Reflect::get(&self.0, &JsValue::from_str("meta"))
            .and_then(|m| Reflect::get(&m, &JsValue::from_str("changes")))
            .ok()
            .and_then(|c| c.as_f64())
            .unwrap_or(0.0) as usize
    }

    pub fn rows<T: FromRow>(&self) -> Vec<T> {
        Reflect::get(&self.0, &JsValue::from_str("results"))
            .ok()
            .and_then(|r| r.dyn_into::<Array>().ok())
            .map(|a| a.iter().map(|v| T::from_row(&Row(v))).collect())
            .unwrap_or_default()
    }
}

pub struct Store {
    db: D1Database,
    faults: faults::Faults,
    /// D1 calls made through this handle (each one a round trip), for the dev-only count header.
    calls: Cell<u32>,
}

impl Store {
    pub fn from_env(env: &Env) -> StoreResult<Store> {
        Ok(Store { db: env.d1("DB")?, faults: faults::current(env), calls: Cell::new(0) })
    }

    /// Same as `from_env`, for callers holding a `worker::Result`.
    pub fn open(env: &Env) -> worker::Result<Store> {
        Ok(Store { db: env.d1("DB")?, faults: faults::current(env), calls: Cell::new(0) })
    }

    /// How many D1 round trips this handle has made.
    pub fn calls(&self) -> u32 {
        self.calls.get()
    }

    /// Counts a round trip and applies the dev-only faults (delay; refused writes).
    async fn round_trip(&self, writes: bool) -> StoreResult<()> {
        self.calls.set(self.calls.get() + 1);
        if self.faults.d1_delay_ms > 0 {
            worker::Delay::from(std::time::Duration::from_millis(self.faults.d1_delay_ms as u64)).await;
        }
        if writes && self.faults.d1_fail_writes {
            return Err(StoreError::Db("D1 writes are failing (dev fault switch D1_FAIL_WRITES)".into()));
        }
        Ok(())
    }

    pub fn stmt(&self, sql: &str, args: &[JsValue]) -> StoreResult<D1PreparedStatement> {
        Ok(self.db.prepare(sql).bind(args)?)
    }

    fn execute<'a>(&'a self, sql: &'a str, args: &'a [JsValue]) -> Query<'a, Outcome> {
        Box::pin(async move {
            self.round_trip(!sql.trim_start().get(..6).is_some_and(|k| k.eq_ignore_ascii_case("select"))).await?;
            let promise = self.stmt(sql, args)?.inner().all().map_err(StoreError::from_js)?;
            Ok(Outcome(JsFuture::from(promise).await.map_err(StoreError::from_js)?))
        })
    }

    pub async fn first<T: FromRow>(&self, sql: &str, args: &[JsValue]) -> StoreResult<Option<T>> {
        Ok(self.execute(sql, args).await?.rows::<T>().into_iter().next())
    }

    pub async fn all<T: FromRow>(&self, sql: &str, args: &[JsValue]) -> StoreResult<Vec<T>> {
        Ok(self.execute(sql, args).await?.rows::<T>())
    }

    /// Runs one statement and returns how many rows it changed.
    pub async fn run(&self, sql: &str, args: &[JsValue]) -> StoreResult<usize> {
        Ok(self.execute(sql, args).await?.changes())
    }

    /// Runs statements in one transaction and returns each statement's result.
    pub fn batch_results(&self, statements: Vec<D1PreparedStatement>) -> Query<'_, Vec<Outcome>> {
        self.run_batch(statements, true)
    }

    /// Runs read-only statements in one round trip.
    pub fn read_batch(&self, statements: Vec<D1PreparedStatement>) -> Query<'_, Vec<Outcome>> {
        self.run_batch(statements, false)
    }

    fn run_batch(&self, statements: Vec<D1PreparedStatement>, writes: bool) -> Query<'_, Vec<Outcome>> {
        Box::pin(async move {
            self.round_trip(writes).await?;
            let list: Array = statements.iter().map(|s| JsValue::from(s.inner().clone())).collect();
            let batch: Function = Reflect::get(self.db.as_ref(), &JsValue::from_str("batch"))
                .map_err(StoreError::from_js)?
                .dyn_into()
                .map_err(|_| StoreError::Db("D1 has no batch".into()))?;
            let promise: worker::js_sys::Promise = batch.call1(self.db.as_ref(), &list).map_err(StoreError::from_js)?.dyn_into().map_err(StoreError::from_js)?;
            let results = JsFuture::from(promise).await.map_err(StoreError::from_js)?;
            let results: Array = results.dyn_into().map_err(StoreError::from_js)?;
            Ok(results.iter().map(Outcome).collect())
        })
    }

    /// Runs statements in one transaction: all of them or none.
    pub async fn batch(&self, statements: Vec<D1PreparedStatement>) -> StoreResult<()> {
        self.batch_results(statements).await.map(|_| ())
    }
}

/// The store seen from one tenant: every method binds `tenant_id`.
#[derive(Clone, Copy)]
pub struct TenantStore<'a> {
    store: &'a Store,
    tenant_id: &'a str,
}

impl Store {
    /// The store as one tenant sees it.
    pub fn tenant<'a>(&'a self, tenant_id: &'a str) -> TenantStore<'a> {
        TenantStore { store: self, tenant_id }
    }
}

impl<'a> TenantStore<'a> {
    pub fn id(&self) -> &'a str {
        self.tenant_id
    }
}

pub struct Count {
    pub n: i64,
}

impl FromRow for Count {
    fn from_row(r: &Row) -> Self {
        Count { n: r.i64("n") }
    }
}

#[cfg(test)]
mod tests {
    /// Every file of the store layer, as compiled.
    const SOURCES: [(&str, &str); 19] = [
        ("api_keys", include_str!("api_keys.rs")),
        ("attachments", include_str!("attachments.rs")),
        ("audit", include_str!("audit.rs")),
        ("bot", include_str!("bot.rs")),
        ("canned", include_str!("canned.rs")),
        ("conversations", include_str!("conversations.rs")),
        ("events", include_str!("events.rs")),
        ("faults", include_str!("faults.rs")),
        ("inbox", include_str!("inbox.rs")),
        ("departments", include_str!("departments.rs")),
        ("operators", include_str!("operators.rs")),
        ("sessions", include_str!("sessions.rs")),
        ("settings", include_str!("settings.rs")),
        ("tenants", include_str!("tenants.rs")),
        ("uploads", include_str!("uploads.rs")),
        ("visitors", include_str!("visitors.rs")),
        ("widget_context", include_str!("widget_context.rs")),
        ("follow", include_str!("follow.rs")),
        ("throttle", include_str!("throttle.rs")),
    ];

    /// The `impl TenantStore` blocks of a file (from the line to the next top-level `}`).
    fn tenant_blocks(source: &str) -> Vec<&str> {
        let mut blocks = Vec::new();
        let mut rest = source;
        while let Some(at) = rest.find("\nimpl TenantStore<'_> {") {
            let block = &rest[at + 1..];
            let end = block.find("\n}\n").map(|e| e + 3).unwrap_or(block.len());
            blocks.push(&block[..end]);
            rest = &block[end..];
        }
        blocks
    }

    /// SQL text in a block: the string literals that begin with a statement keyword.
    fn statements(block: &str) -> Vec<String> {
        block
            .split('"')
            .skip(1)
            .step_by(2)
            .filter(|s| ["SELECT", "INSERT", "UPDATE", "DELETE"].iter().any(|k| s.trim_start().starts_with(k)))
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn every_statement_of_the_tenant_handle_binds_the_tenant() {
        let mut checked = 0;
        for (file, source) in SOURCES {
            for block in tenant_blocks(source) {
                assert!(block.contains("self.tenant_id"), "{file}: a TenantStore block that never binds the tenant");
                for sql in statements(block) {
                    checked += 1;
                    // The tenants table's own key is the tenant id.
                    let scoped = sql.contains("tenant_id") || sql.contains(" tenants ") && sql.contains("WHERE id = ?1");
                    assert!(scoped, "{file}: a tenant-scoped statement without the tenant: {sql}");
                }
            }
        }
        assert!(checked > 50, "only {checked} statements found: the scan is broken");
    }

    #[test]
    fn the_scan_catches_an_unscoped_statement() {
        let bad = "\nimpl TenantStore<'_> {\n    fn f(&self) { self.store.all(\"SELECT * FROM canned_replies WHERE id = ?1\", &[text(self.tenant_id)]) }\n}\n";
        let sql = statements(tenant_blocks(bad)[0]);
        assert_eq!(sql.len(), 1);
        assert!(!sql[0].contains("tenant_id"));
    }
}
