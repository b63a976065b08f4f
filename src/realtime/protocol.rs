//! The realtime protocol's frames (see docs/protocol.md): parsing of what clients send, with every
//! limit checked, and the shapes of what the server sends. Pure: tested natively.

use serde::Deserialize;
use serde_json::{json, Value};

use crate::domain::message::{ClientMsgId, MessageText};

pub const SUBPROTOCOL: &str = "chat.v1";
pub const MAX_FRAME_BYTES: usize = 16 * 1024;
/// The exact text of a keep-alive; answered by the runtime (auto-response) without waking the room.
pub const PING: &str = r#"{"type":"ping"}"#;
pub const PONG: &str = r#"{"type":"pong"}"#;
pub const TYPING_TTL_MS: i64 = 6000;

#[derive(Debug, Clone, PartialEq)]
pub enum ClientFrame {
    Send { client_msg_id: ClientMsgId, text: MessageText, private: bool },
    Typing { on: bool },
    Read { seq: i64 },
    Resume { after_seq: i64 },
    Ping,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameError {
    /// Machine-readable, stable.

    pub code: &'static str,
    pub message: String,
}

impl FrameError {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        FrameError { code, message: message.into() }
    }
}

#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum RawFrame {
    Send {
        client_msg_id: String,
        text: String,
        #[serde(default)]
        private: bool,
    },
    Typing {
        on: bool,
    },
    Read {
        seq: i64,
    },
    Resume {
        after_seq: i64,
    },
    Ping {},
}

const KNOWN: [&str; 5] = ["send", "typing", "read", "resume", "ping"];

/// Parses one text frame. Nothing a client sends can make this panic: JSON nesting is bounded by
/// serde_json's recursion limit, sizes are checked first, and every field is typed.
pub fn parse_client_frame(text: &str) -> Result<ClientFrame, FrameError> {
    if text.len() > MAX_FRAME_BYTES {
        return Err(FrameError::new("frame_too_large", format!("frames must be at most {MAX_FRAME_BYTES} bytes")));
    }
    let value: Value = serde_json::from_str(text).map_err(|e| FrameError::new("malformed_frame", format!("not a JSON frame: {e}")))?;
    let kind = value
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| FrameError::new("malformed_frame", "a frame is a JSON object with a string \"type\""))?
        .to_string();
    if !KNOWN.contains(&kind.as_str()) {
        return Err(FrameError::new("unknown_type", format!("unknown frame type {kind:?}")));
    }
    let raw: RawFrame = serde_json::from_value(value).map_err(|e| FrameError::new("invalid_frame", format!("{kind}: {e}")))?;
    let invalid = |e: crate::domain::DomainError| FrameError::new("invalid_frame", e.to_string());
    Ok(match raw {
        RawFrame::Send { client_msg_id, text, private } => {
            if text.chars().count() > crate::domain::message::TEXT_MAX_CHARS {
                return Err(FrameError::new("text_too_long", format!("text must be at most {} characters", crate::domain::message::TEXT_MAX_CHARS)));
            }
            ClientFrame::Send { client_msg_id: ClientMsgId::parse(&client_msg_id).map_err(invalid)?, text: MessageText::parse(&text).map_err(invalid)?, private }
        }
        RawFrame::Typing { on } => ClientFrame::Typing { on },
        RawFrame::Read { seq } if seq >= 0 => ClientFrame::Read { seq },
        RawFrame::Resume { after_seq } if after_seq >= 0 => ClientFrame::Resume { after_seq },
        RawFrame::Read { .. } | RawFrame::Resume { .. } => return Err(FrameError::new("invalid_frame", "sequence numbers are never negative")),
        RawFrame::Ping {} => ClientFrame::Ping,
    })
}

/// Gives an attachment event a fresh, short-lived signed download URL (relative to the Worker's origin).
pub fn sign_attachment(event: &mut Value, secret: &[u8], now_secs: i64) {
    if event["type"] != "attachment" {
        return;
    }
    let Some(key) = event["data"]["key"].as_str().map(str::to_string) else { return };
    let exp = now_secs + crate::domain::upload::URL_TTL_SECS;
    let sig = crate::domain::upload::sign_file(secret, &key, exp);
    event["data"]["url"] = json!(format!("/files/{key}?exp={exp}&sig={sig}"));
}

pub fn error_frame(code: &str, message: &str, client_msg_id: Option<&str>) -> String {
    let mut v = json!({ "type": "error", "code": code, "message": message });
    if let Some(id) = client_msg_id {
        v["client_msg_id"] = json!(id);
    }
    v.to_string()
}

/// `event` must already carry its `seq`.
pub fn event_frame(event: &Value) -> String {
    json!({ "type": "event", "event": event }).to_string()
}

pub fn ack_frame(client_msg_id: &str, event: &Value, duplicate: bool) -> String {
    json!({ "type": "ack", "client_msg_id": client_msg_id, "seq": event["seq"], "duplicate": duplicate, "event": event }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(text: &str) -> &'static str {
        parse_client_frame(text).unwrap_err().code
    }

    #[test]
    fn parses_every_client_frame() {
        assert_eq!(
            parse_client_frame(r#"{"type":"send","client_msg_id":"m1","text":"hi"}"#).unwrap(),
            ClientFrame::Send { client_msg_id: ClientMsgId::parse("m1").unwrap(), text: MessageText::parse("hi").unwrap(), private: false }
        );
        assert_eq!(
            parse_client_frame(r#"{"type":"send","client_msg_id":"n1","text":"note","private":true}"#).unwrap(),
            ClientFrame::Send { client_msg_id: ClientMsgId::parse("n1").unwrap(), text: MessageText::parse("note").unwrap(), private: true }
        );
        assert_eq!(parse_client_frame(r#"{"type":"typing","on":true}"#).unwrap(), ClientFrame::Typing { on: true });
        assert_eq!(parse_client_frame(r#"{"type":"read","seq":4}"#).unwrap(), ClientFrame::Read { seq: 4 });
        assert_eq!(parse_client_frame(r#"{"type":"resume","after_seq":0}"#).unwrap(), ClientFrame::Resume { after_seq: 0 });
        assert_eq!(parse_client_frame(PING).unwrap(), ClientFrame::Ping);
    }

    #[test]
    fn malformed_frames_get_precise_codes() {
        assert_eq!(code("not json"), "malformed_frame");
        assert_eq!(code("[1,2]"), "malformed_frame");
        assert_eq!(code(r#"{"type":5}"#), "malformed_frame");
        assert_eq!(code(r#"{"type":"shout"}"#), "unknown_type");
        assert_eq!(code(r#"{"type":"send","text":"hi"}"#), "invalid_frame");
        assert_eq!(code(r#"{"type":"send","client_msg_id":"m","text":"hi","extra":1}"#), "invalid_frame");
        assert_eq!(code(r#"{"type":"send","client_msg_id":"bad id","text":"hi"}"#), "invalid_frame");
        assert_eq!(code(r#"{"type":"send","client_msg_id":"m","text":"   "}"#), "invalid_frame");
        assert_eq!(code(r#"{"type":"read","seq":-1}"#), "invalid_frame");
        assert_eq!(code(r#"{"type":"typing","on":"yes"}"#), "invalid_frame");
    }

    #[test]
    fn limits_are_enforced() {
        let long = format!(r#"{{"type":"send","client_msg_id":"m","text":"{}"}}"#, "a".repeat(4001));
        assert_eq!(code(&long), "text_too_long");
        let huge = format!(r#"{{"type":"send","client_msg_id":"m","text":"{}"}}"#, "a".repeat(MAX_FRAME_BYTES));
        assert_eq!(code(&huge), "frame_too_large");
    }

    #[test]
    fn ten_thousand_deep_nesting_is_an_error_not_a_crash() {
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert_eq!(code(&deep), "frame_too_large", "20 KB of brackets is refused by size first");
        let deep_within_size = format!("{}{}", "[".repeat(8_000), "]".repeat(8_000));
        assert_eq!(code(&deep_within_size), "malformed_frame", "serde_json's recursion limit refuses it");
        let deep_obj = format!(r#"{{"type":"send","client_msg_id":"m","text":{}1{}}}"#, "[".repeat(5_000), "]".repeat(5_000));
        assert_eq!(code(&deep_obj), "malformed_frame");
    }

    #[test]
    fn attachment_events_get_a_signed_url_and_others_do_not() {
        let mut ev = json!({"type": "attachment", "data": {"key": "t/a/c/b/1"}});
        sign_attachment(&mut ev, b"s", 100);
        let url = ev["data"]["url"].as_str().unwrap().to_string();
        assert!(url.starts_with("/files/t/a/c/b/1?exp=3700&sig="));
        let sig = url.rsplit('=').next().unwrap();
        assert!(crate::domain::upload::verify_file(b"s", "t/a/c/b/1", 3700, sig, 100));
        let mut msg = json!({"type": "message", "data": {"key": "x"}});
        sign_attachment(&mut msg, b"s", 100);
        assert!(msg["data"].get("url").is_none());
    }

    #[test]
    fn server_frames_have_their_shapes() {
        let e: Value = serde_json::from_str(&error_frame("rate_limited", "slow down", Some("m1"))).unwrap();
        assert_eq!(e["type"], "error");
        assert_eq!(e["client_msg_id"], "m1");
        let event = json!({"seq": 7, "type": "message"});
        let a: Value = serde_json::from_str(&ack_frame("m1", &event, true)).unwrap();
        assert_eq!((a["seq"].as_i64(), a["duplicate"].as_bool()), (Some(7), Some(true)));
        let ev: Value = serde_json::from_str(&event_frame(&event)).unwrap();
        assert_eq!(ev["event"]["seq"], 7);
    }
}
