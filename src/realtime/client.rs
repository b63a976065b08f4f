//! Calls into the Durable Objects, shaped like function calls: `RoomClient::run(command)` answers a
//! typed outcome or a `RoomError`, and so does `InboxClient::run`. The transport (a `fetch` to the
//! object's stub carrying JSON) stays in here.

use serde_json::Value;
use worker::{Env, Headers, Method, Request, RequestInit, Response};

use super::conversation::IDENTITY_HEADER;
use super::inbox::ConsoleIdentity;
use super::wire::{Caller, InboxCommand, Party, RoomCommand, RoomError, RoomOutcome, RoomRequest};

fn transport(e: worker::Error) -> RoomError {
    worker::console_error!("room call failed: {e}");
    RoomError::unavailable("the conversation is unavailable right now; please retry")
}

/// POSTs JSON to a Durable Object and reads its answer: the value on 200, else the `RoomError` it sent.
async fn call<T: serde::de::DeserializeOwned>(stub: worker::Result<worker::Stub>, url: &str, body: String) -> Result<T, RoomError> {
    let headers = Headers::new();
    headers.set("content-type", "application/json").map_err(transport)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_headers(headers).with_body(Some(body.into()));
    let req = Request::new_with_init(url, &init).map_err(transport)?;
    let mut res = stub.map_err(transport)?.fetch_with_request(req).await.map_err(transport)?;
    let status = res.status_code();
    let text = res.text().await.map_err(transport)?;
    if status == 200 {
        return serde_json::from_str(&text).map_err(|e| RoomError::unavailable(format!("unreadable answer from {url}: {e}")));
    }
    #[derive(serde::Deserialize)]
    struct Failure {
        error: RoomError,
    }
    Err(serde_json::from_str::<Failure>(&text).map(|f| f.error).unwrap_or_else(|_| RoomError::unavailable(format!("{url} answered {status}"))))
}

/// One conversation's room, called as one caller.
/// Hands an authenticated WebSocket upgrade to an object, with who is connecting in a header.
async fn upgrade(stub: worker::Result<worker::Stub>, url: &str, identity: &impl serde::Serialize) -> worker::Result<Response> {
    let headers = Headers::new();
    headers.set(IDENTITY_HEADER, &serde_json::to_string(identity)?)?;
    headers.set("upgrade", "websocket")?;
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_headers(headers);
    stub?.fetch_with_request(Request::new_with_init(url, &init)?).await
}

pub struct RoomClient {
    env: Env,
    caller: Caller,
}

impl RoomClient {
    pub fn new(env: &Env, tenant_id: &str, conversation_id: &str, party: Party) -> Self {
        RoomClient { env: env.clone(), caller: Caller { tenant_id: tenant_id.into(), conversation_id: conversation_id.into(), party } }
    }

    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    fn stub(&self) -> worker::Result<worker::Stub> {
        self.env.durable_object("CONVERSATION")?.id_from_name(&self.caller.conversation_id)?.get_stub()
    }

    pub async fn run(&self, command: RoomCommand) -> Result<RoomOutcome, RoomError> {
        let body = serde_json::to_string(&RoomRequest { caller: self.caller.clone(), command }).map_err(|e| RoomError::unavailable(e.to_string()))?;
        call(self.stub(), "https://room/run", body).await
    }

    /// Hands an authenticated WebSocket upgrade to the room.
    pub async fn connect(&self, after_seq: Option<i64>) -> worker::Result<Response> {
        let url = match after_seq {
            Some(n) => format!("https://room/connect?after_seq={n}"),
            None => "https://room/connect".to_string(),
        };
        upgrade(self.stub(), &url, &self.caller).await
    }

    /// How far D1 is behind this room (for the deployment's operators).
    pub async fn follow_status(&self) -> worker::Result<Response> {
        self.stub()?.fetch_with_str("https://room/follow").await
    }
}

/// One tenant's inbox.
pub struct InboxClient {
    env: Env,
    tenant_id: String,
}

impl InboxClient {
    pub fn new(env: &Env, tenant_id: &str) -> Self {
        InboxClient { env: env.clone(), tenant_id: tenant_id.into() }
    }

    fn stub(&self) -> worker::Result<worker::Stub> {
        self.env.durable_object("INBOX")?.id_from_name(&self.tenant_id)?.get_stub()
    }

    pub async fn run(&self, command: InboxCommand) -> Result<Value, RoomError> {
        let body = serde_json::to_string(&(&self.tenant_id, command)).map_err(|e| RoomError::unavailable(e.to_string()))?;
        call(self.stub(), "https://inbox/run", body).await
    }

    /// For changes the inbox must hear of but that the caller does not wait on: a failure is logged
    /// (consoles catch up from their cursor; routing runs again at the next change).
    pub async fn tell(&self, command: InboxCommand) {
        if let Err(e) = self.run(command).await {
            worker::console_error!("inbox call failed: {}", e.message);
        }
    }

    /// Hands an authenticated console socket to the inbox.
    pub async fn connect(&self, who: &ConsoleIdentity, cursor: Option<i64>) -> worker::Result<Response> {
        let url = match cursor {
            Some(c) => format!("https://inbox/connect?cursor={c}"),
            None => "https://inbox/connect".to_string(),
        };
        upgrade(self.stub(), &url, who).await
    }
}
