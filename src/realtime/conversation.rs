//! `ConversationRoom`: one Durable Object per conversation (`id_from_name(conversation_id)`). It will
//! hold the conversation's hibernating sockets and assign its gap-free sequence numbers; until the live
//! protocol lands it only answers a health probe, so the binding and its migration are deployable now.

use worker::{durable_object, DurableObject, Env, Request, Response, Result, State};

#[durable_object]
pub struct ConversationRoom {
    state: State,
}

impl DurableObject for ConversationRoom {
    fn new(state: State, _env: Env) -> Self {
        ConversationRoom { state }
    }

    async fn fetch(&self, _req: Request) -> Result<Response> {
        Response::from_json(&serde_json::json!({ "object": "ConversationRoom", "id": self.state.id().to_string(), "sockets": self.state.get_websockets().len() }))
    }
}
