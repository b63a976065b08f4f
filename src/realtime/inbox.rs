//! `TenantInbox`: one Durable Object per tenant (`id_from_name(tenant_id)`). It will be the single
//! writer of assignment and hold operators' console sockets; until routing lands it only answers a
//! health probe, so the binding and its migration are deployable now.

use worker::{durable_object, DurableObject, Env, Request, Response, Result, State};

#[durable_object]
pub struct TenantInbox {
    state: State,
}

impl DurableObject for TenantInbox {
    fn new(state: State, _env: Env) -> Self {
        TenantInbox { state }
    }

    async fn fetch(&self, _req: Request) -> Result<Response> {
        Response::from_json(&serde_json::json!({ "object": "TenantInbox", "id": self.state.id().to_string(), "sockets": self.state.get_websockets().len() }))
    }
}
