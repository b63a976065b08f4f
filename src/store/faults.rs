//! Dev-only fault switches for D1, to prove what happens when the database is far away or down:
//! `D1_DELAY_MS` adds a delay before every D1 call, `D1_FAIL_WRITES=1` makes every write fail. They
//! are read only when `DEV_FAULTS=1`, a variable that exists only in local runs (`wrangler dev
//! --var`, tests, `make bench`), never in `wrangler.toml`; the switch endpoint `POST /__dev/faults`
//! also answers only on a loopback host, which a deployed Worker never has.

use std::cell::Cell;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Faults {
    #[serde(default)]
    pub d1_fail_writes: bool,
    #[serde(default)]
    pub d1_delay_ms: u32,
}

thread_local! {
    /// Shared by the Worker and its Durable Objects: locally they run in one isolate.
    static FAULTS: Cell<Option<Faults>> = const { Cell::new(None) };
}

/// Whether this run allows fault switches at all.
pub fn enabled(env: &worker::Env) -> bool {
    env.var("DEV_FAULTS").map(|v| v.to_string() == "1").unwrap_or(false)
}

/// The faults in force: first from the variables, then as last switched.
pub fn current(env: &worker::Env) -> Faults {
    if let Some(f) = FAULTS.with(Cell::get) {
        return f;
    }
    let faults = if enabled(env) {
        let var = |name: &str| env.var(name).map(|v| v.to_string()).unwrap_or_default();
        Faults { d1_fail_writes: var("D1_FAIL_WRITES") == "1", d1_delay_ms: var("D1_DELAY_MS").parse().unwrap_or(0) }
    } else {
        Faults::default()
    };
    FAULTS.with(|c| c.set(Some(faults)));
    faults
}

pub fn set(faults: Faults) {
    FAULTS.with(|c| c.set(Some(faults)));
}
