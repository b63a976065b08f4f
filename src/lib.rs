//! EdgeChat: a customer-support chat in one Rust Worker. Entry point only: every request goes to
//! `http::handle`; the Durable Object classes are exported from `realtime`.

pub mod crypto;
pub mod domain;
pub mod http;
#[cfg(not(target_arch = "wasm32"))]
pub mod openapi;
pub mod realtime;
pub mod service;
pub mod store;

pub use realtime::conversation::ConversationRoom;
pub use realtime::inbox::TenantInbox;

use worker::{event, Context, Env, Request, Response, Result};

#[event(start)]
fn start() {
    console_error_panic_hook::set_once();
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    http::handle(req, env, ctx).await
}
