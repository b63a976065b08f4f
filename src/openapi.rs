//! The OpenAPI 3.1 document of the HTTP API, written next to the code it describes and compiled only
//! natively (never into the Worker's wasm, where every kilobyte counts). `cargo test` checks that
//! `docs/openapi.json` is what this module produces (`UPDATE_OPENAPI=1 cargo test --lib openapi`
//! rewrites it); the build publishes it as `/api/openapi.json`; the console's TypeScript client is
//! generated from it (`scripts/gen-api-types.mjs`), so tsc checks every call the console makes; and the
//! integration test `openapi.test.mjs` checks it against the running Worker: every operation routes,
//! every request schema lists exactly the fields the handler accepts, and real answers match their
//! response schemas.
//!
//! Enumerations come from the Rust types themselves (roles, statuses, locales, bot actions), so a new
//! variant changes the document and the console's types with it.

use serde_json::{json, Map, Value};

use crate::domain::bot::LOCALES;
use crate::domain::role::{OperatorStatus, Role, MAX_CAPACITY};

fn string() -> Value {
    json!({ "type": "string" })
}
fn int() -> Value {
    json!({ "type": "integer" })
}
fn boolean() -> Value {
    json!({ "type": "boolean" })
}
fn nullable(mut schema: Value) -> Value {
    if let Some(t) = schema.get("type").and_then(Value::as_str).map(str::to_string) {
        schema["type"] = json!([t, "null"]);
        schema
    } else {
        json!({ "anyOf": [schema, { "type": "null" }] })
    }
}
fn array(items: Value) -> Value {
    json!({ "type": "array", "items": items })
}
fn one_of(values: &[&str]) -> Value {
    json!({ "type": "string", "enum": values })
}
fn r(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}
fn any_object() -> Value {
    json!({ "type": "object" })
}

/// An object: `name` is required, `name?` optional.
fn obj(fields: &[(&str, Value)]) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for (name, schema) in fields {
        let (name, optional) = match name.strip_suffix('?') {
            Some(n) => (n, true),
            None => (*name, false),
        };
        if !optional {
            required.push(json!(name));
        }
        properties.insert(name.to_string(), schema.clone());
    }
    json!({ "type": "object", "properties": properties, "required": required })
}

/// A request body object: every field optional unless named in `required`, nothing else accepted.
fn body(fields: &[(&str, Value)]) -> Value {
    let mut schema = obj(fields);
    schema["additionalProperties"] = json!(false);
    schema
}

fn list_of(item: Value) -> Value {
    obj(&[("count", int()), ("results", array(item)), ("next_cursor", nullable(string()))])
}

fn roles() -> Value {
    let names: Vec<&str> = [Role::Owner, Role::Admin, Role::Agent].iter().map(|r| r.as_str()).collect();
    one_of(&names)
}
fn statuses() -> Value {
    let names: Vec<&str> = [OperatorStatus::Available, OperatorStatus::Busy, OperatorStatus::Offline].iter().map(|s| s.as_str()).collect();
    one_of(&names)
}
fn conversation_status() -> Value {
    one_of(&["bot", "queued", "active", "closed"])
}

fn schemas() -> Map<String, Value> {
    let localized = json!({ "type": "object", "propertyNames": { "enum": LOCALES }, "additionalProperties": { "type": "string" } });
    let mut s = Map::new();
    let mut add = |name: &str, schema: Value| {
        s.insert(name.to_string(), schema);
    };
    add("Error", obj(&[("error", obj(&[("code", string()), ("message", string()), ("field?", string())]))]));
    add("Operator", obj(&[
        ("id", string()), ("email", string()), ("name", string()), ("role", roles()), ("status", statuses()),
        ("capacity", int()), ("active", boolean()), ("department_ids", array(string())), ("created_at", int()), ("updated_at", int()),
    ]));
    add("Tenant", obj(&[
        ("id", string()), ("name", string()), ("require_verified_visitors", boolean()), ("identity_secret_configured", boolean()), ("created_at", int()),
    ]));
    add("Session", obj(&[("access_token", string()), ("token_type", string()), ("expires_in", int()), ("operator", r("Operator")), ("tenant", r("Tenant"))]));
    add("Me", obj(&[("operator", r("Operator")), ("tenant", r("Tenant"))]));
    add("Department", obj(&[
        ("id", string()), ("name", string()), ("is_default", boolean()), ("member_ids", array(string())), ("created_at", int()),
        ("widget_visible", boolean()), ("widget_labels", r("Labels")),
    ]));
    add("Labels", localized.clone());
    add("ApiKey", obj(&[
        ("id", string()), ("key", string()), ("label", string()), ("allowed_origins", array(string())), ("active", boolean()),
        ("created_at", int()), ("revoked_at", nullable(int())),
    ]));
    add("IdentitySecret", obj(&[("configured", boolean()), ("hint", nullable(string())), ("created_at", nullable(int()))]));
    add("IdentitySecretCreated", obj(&[("secret", string()), ("hint", string()), ("created_at", int()), ("shown_once", boolean())]));
    add("AuditEntry", obj(&[
        ("id", int()), ("actor_operator_id", nullable(string())), ("action", string()), ("target_type", string()),
        ("target_id", string()), ("detail", any_object()), ("created_at", int()),
    ]));
    add("WidgetAppearance", obj(&[("color", string()), ("position", one_of(&["right", "left"])), ("greeting", string()), ("after_close", one_of(&["reopen", "new"])), ("csat", boolean()), ("page_tracking", boolean()), ("prechat", r("Prechat")),
        ("transcript_email", boolean()), ("offline_emails?", array(string())), ("auto_close", r("AutoClose"))]));
    add("AutoClose", obj(&[("bot_minutes", int()), ("visitor_minutes", int())]));
    add("Prechat", obj(&[("fields", one_of(&["off", "name", "name_email"])), ("name_required", boolean()), ("email_required", boolean()), ("when", one_of(&["start", "handoff"]))]));
    add("BusinessHours", obj(&[
        ("timezone", string()),
        ("weekly", json!({ "type": "object", "propertyNames": { "enum": crate::domain::hours::DAYS },
            "additionalProperties": array(json!({ "type": "array", "items": string(), "minItems": 2, "maxItems": 2 })) })),
        ("holidays?", array(string())),
    ]));
    add("Settings", obj(&[
        ("email_available", boolean()), ("name", string()), ("require_verified_visitors", boolean()), ("widget", r("WidgetAppearance")),
        ("business_hours", nullable(r("BusinessHours"))),
    ]));
    add("Author", obj(&[("type", one_of(&["visitor", "operator", "bot", "system"])), ("id", nullable(string())), ("name", nullable(string()))]));
    add("Event", obj(&[
        ("seq", int()),
        ("type", json!({ "type": "string", "description": "message, attachment, note, read, menu, contact, handoff, assigned, transferred, closed, reopened, released, queue, rating, page, mail, summary and category (operators only)" })),
        ("author", r("Author")), ("client_msg_id", nullable(string())), ("created_at", int()), ("text?", string()),
        ("data?", any_object()), ("private?", boolean()),
    ]));
    let rating_totals = |extra: &[(&'static str, Value)]| {
        let mut fields = vec![("count", int()), ("average", nullable(json!({ "type": "number" }))), ("scores", array(int()))];
        fields.extend(extra.iter().cloned());
        obj(&fields)
    };
    let rating_group = rating_totals(&[("id", nullable(string())), ("name", nullable(string()))]);
    add("ConversationExport", obj(&[
        ("id", string()), ("status", conversation_status()), ("created_at", int()), ("closed_at", nullable(int())), ("locale", nullable(string())),
        ("department", nullable(string())), ("assignee", nullable(string())),
        ("visitor", obj(&[("id", string()), ("name", nullable(string())), ("email", nullable(string())), ("external_id", nullable(string()))])),
        ("rating", nullable(int())), ("rating_comment", nullable(string())), ("events", int()),
        ("category", nullable(string())), ("summary", nullable(string())),
    ]));
    add("EventExport", obj(&[
        ("conversation_id", string()), ("seq", int()), ("created_at", int()), ("type", string()),
        ("author", obj(&[("type", string()), ("name", nullable(string()))])), ("private", boolean()), ("text", nullable(string())),
        ("data", nullable(any_object())),
    ]));
    add("RatingsReport", obj(&[
        ("from", int()), ("to", int()), ("total", rating_totals(&[])),
        ("by_operator", array(rating_group.clone())), ("by_department", array(rating_group)),
    ]));
    add("VisitorSummary", obj(&[("id", string()), ("name", nullable(string())), ("email", nullable(string())), ("verified", boolean())]));
    // The inbox summary (`store::inbox` `to_json`); the detail is the same with a fuller visitor and more.
    let summary = |visitor: Value| {
        vec![
            ("id", string()), ("status", conversation_status()), ("department_id", nullable(string())), ("assignee_id", nullable(string())),
            ("last_seq", int()), ("last_message_preview", nullable(string())), ("last_message_at", nullable(int())),
            ("queued_at", nullable(int())), ("queue_position", nullable(int())), ("unread_count", int()),
            ("created_at", int()), ("updated_at", int()), ("category_id", nullable(string())), ("visitor", visitor),
        ]
    };
    add("Conversation", obj(&summary(r("VisitorSummary"))));
    let mut detail_fields = summary(obj(&[
        ("id", string()), ("name", nullable(string())), ("email", nullable(string())), ("verified", boolean()),
        ("external_id", nullable(string())), ("created_at", int()), ("last_seen_at", nullable(int())),
    ]));
    detail_fields.extend([
        ("other_conversations", array(obj(&[("id", string()), ("status", conversation_status()), ("created_at", int()), ("last_message_preview", nullable(string()))]))),
        ("menu_path", nullable(array(obj(&[("node", string()), ("choice", string()), ("label", string())])))),
        ("locale", nullable(string())),
        ("closed_at", nullable(int())),
        ("rating", nullable(obj(&[("score", int()), ("comment", nullable(string())), ("rated_at", nullable(int()))]))),
    ]);
    let mut detail = obj(&detail_fields);
    detail["description"] = json!("A conversation with its visitor's details, their other conversations and the bot menu path they took.");
    add("ConversationDetail", detail);
    add("OperatorPresence", obj(&[("id", string()), ("name", string()), ("status", statuses()), ("capacity", int()), ("active?", boolean()), ("online?", boolean())]));
    add("ConversationList", obj(&[
        ("count", int()), ("results", array(r("Conversation"))), ("next_cursor", nullable(string())), ("cursor", int()),
        ("operators?", array(r("OperatorPresence"))),
        ("removed?", array(string())),
    ]));
    add("StateChange", obj(&[("conversation", nullable(r("Conversation"))), ("event", any_object())]));
    add("SendResult", obj(&[("event", r("Event")), ("duplicate?", boolean())]));
    add("Category", obj(&[("id", string()), ("name", string()), ("keywords", array(string())), ("faq_ids", array(string())), ("created_at", int())]));
    add("CannedReply", obj(&[("id", string()), ("shortcut", string()), ("text", string()), ("created_at", int()), ("updated_at", int())]));
    add("FaqEntry", obj(&[
        ("id", string()), ("question", string()), ("answer", string()), ("keywords", array(string())), ("variants", array(string())),
        ("locale", one_of(&LOCALES)), ("embedding", nullable(obj(&[("model", string()), ("dim", int()), ("vectors", int())]))),
        ("department_id", nullable(string())), ("created_at", int()), ("updated_at", int()),
    ]));
    add("FaqHit", obj(&[
        ("id", string()), ("question", string()), ("answer", string()), ("department_id", nullable(string())), ("locale", one_of(&LOCALES)),
        ("score", json!({ "type": "number" })), ("confidence", json!({ "type": "number" })), ("coverage", json!({ "type": "number" })),
        ("similarity", nullable(json!({ "type": "number" }))), ("matched", array(string())),
        ("via", obj(&[("kind", one_of(&["question", "variant", "keywords", "answer", "meaning"])), ("index?", int()), ("text?", nullable(string()))])),
    ]));
    add("FaqTry", obj(&[
        ("count", int()), ("results", array(r("FaqHit"))), ("answered", boolean()), ("threshold", json!({ "type": "number" })),
        ("mode", one_of(&["lexical", "fused"])), ("language", one_of(&LOCALES)), ("terms?", array(string())), ("fallback?", nullable(string())),
    ]));
    let miss = obj(&[
        ("key", string()), ("conversation_id", string()), ("seq", int()), ("question", string()), ("locale", nullable(string())),
        ("reason", one_of(&["no_answer", "asked_for_person"])), ("faq_id", nullable(string())), ("reply", nullable(string())), ("created_at", int()),
    ]);
    add("Unanswered", obj(&[
        ("open", int()),
        ("groups", array(obj(&[
            ("question", string()), ("locale", nullable(string())), ("count", int()), ("no_answer", int()), ("asked_for_person", int()),
            ("last_at", int()), ("reply", nullable(string())), ("items", array(miss)),
        ]))),
        ("weeks", array(obj(&[("week_start", int()), ("no_answer", int()), ("asked_for_person", int()), ("resolved", int())]))),
    ]));
    add("BotAction", json!({ "oneOf": [
        obj(&[("type", one_of(&["node"])), ("node", string())]),
        obj(&[("type", one_of(&["handoff"])), ("department_id?", string())]),
        obj(&[("type", one_of(&["url"])), ("url", string())]),
        obj(&[("type", one_of(&["ask"]))]),
        obj(&[("type", one_of(&["faq"])), ("faq_id", string())]),
    ]}));
    add("BotChoice", obj(&[("id", string()), ("label", localized.clone()), ("action", r("BotAction"))]));
    add("BotNode", obj(&[("id", string()), ("text", localized.clone()), ("choices", array(r("BotChoice")))]));
    add("BotFlow", obj(&[
        ("auto_reply?", boolean()), ("free_text?", boolean()), ("typing_ms?", int()), ("suggestions?", array(string())), ("default_locale", one_of(&LOCALES)), ("welcome", localized), ("root", string()), ("nodes", array(r("BotNode"))),
    ]));
    add("Attachment", obj(&[("event", r("Event")), ("duplicate?", boolean())]));
    // The widget API (`/api/widget/*`).
    add("WidgetVisitor", obj(&[("id", string()), ("name", nullable(string())), ("email", nullable(string())), ("verified", boolean())]));
    add("VisitorSession", obj(&[("visitor", r("WidgetVisitor")), ("token", string()), ("expires_in", int()), ("resumed", boolean())]));
    add("WidgetConversation", obj(&[
        ("id", string()), ("status", conversation_status()), ("department_id", nullable(string())), ("assignee_id", nullable(string())),
        ("last_seq", int()), ("last_message_preview", nullable(string())), ("last_message_at", nullable(int())), ("created_at", int()),
        ("updated_at", int()), ("locale", nullable(string())), ("menu_path", nullable(array(any_object()))), ("closed_at", nullable(int())),
        ("rating", nullable(int())), ("rating_comment", nullable(string())), ("rated_at", nullable(int())),
    ]));
    add("WidgetConfig", obj(&[
        ("tenant", obj(&[("name", string())])), ("widget", r("WidgetAppearance")), ("locale", one_of(&LOCALES)),
        ("texts", json!({ "type": "object", "additionalProperties": string() })), ("bot", any_object()), ("online", boolean()),
        ("open_now", boolean()), ("next_open_at", nullable(int())), ("expected_reply", one_of(&["minutes", "when_open", "by_email"])),
        ("operators_online", boolean()), ("departments", array(obj(&[("id", string()), ("label", string())]))),
        ("require_verified_visitors", boolean()), ("limits", obj(&[("text_chars", int()), ("frame_bytes", int())])),
        ("websocket", obj(&[("path", string()), ("subprotocol", string())])),
    ]));
    add("WidgetStarted", obj(&[("conversation", r("WidgetConversation")), ("created", boolean()), ("event?", r("Event"))]));
    add("WidgetChange", obj(&[("conversation", r("WidgetConversation")), ("event", nullable(r("Event")))]));
    add("WidgetEvent", obj(&[("event", r("Event")), ("duplicate", boolean())]));
    s
}

/// One operation: method, path, tag, summary, request body, success status and answer.
struct Op {
    method: &'static str,
    path: &'static str,
    tag: &'static str,
    summary: &'static str,
    query: &'static [&'static str],
    body: Option<Value>,
    status: u16,
    answer: Option<Value>,
}

fn op(method: &'static str, path: &'static str, tag: &'static str, summary: &'static str, body: Option<Value>, status: u16, answer: Option<Value>) -> Op {
    Op { method, path, tag, summary, query: &[], body, status, answer }
}

fn operations() -> Vec<Op> {
    let id_list = || array(string());
    let send = body(&[("client_msg_id", string()), ("text", string()), ("private?", boolean())]);
    let faq = body(&[
        ("question", string()), ("answer", string()), ("keywords?", array(string())), ("variants?", array(string())), ("locale?", one_of(&LOCALES)),
        ("department_id?", nullable(string())),
    ]);
    // A change names only what changes; the rest stays as it is.
    let faq_change = body(&[
        ("question?", string()), ("answer?", string()), ("keywords?", array(string())), ("variants?", array(string())), ("locale?", one_of(&LOCALES)),
        ("department_id?", nullable(string())),
    ]);
    let mut ops = vec![
        op("get", "/api/health", "meta", "Liveness", None, 200, Some(obj(&[("ok", boolean())]))),
        op("post", "/api/auth/signup", "auth", "Create a tenant and its owner", Some(body(&[("company", string()), ("name", string()), ("email", string()), ("password", string())])), 201, Some(r("Session"))),
        op("post", "/api/auth/login", "auth", "Sign in", Some(body(&[("email", string()), ("password", string())])), 200, Some(r("Session"))),
        op("post", "/api/auth/refresh", "auth", "A new access token from the refresh cookie (rotated)", None, 200, Some(r("Session"))),
        op("post", "/api/auth/logout", "auth", "End the session family", None, 204, None),
        op("get", "/api/auth/me", "auth", "The signed-in operator and tenant", None, 200, Some(r("Me"))),
        op("post", "/api/auth/password", "auth", "Change one's own password", Some(body(&[("current_password", string()), ("new_password", string())])), 200, Some(r("Session"))),
        op("get", "/api/admin/operators", "operators", "List operators", None, 200, Some(list_of(r("Operator")))),
        op("post", "/api/admin/operators", "operators", "Create an operator",
            Some(body(&[("email", string()), ("name", string()), ("role", roles()), ("password", string()),
                ("capacity?", json!({ "type": "integer", "minimum": 0, "maximum": MAX_CAPACITY })), ("department_ids?", id_list())])), 201, Some(r("Operator"))),
        op("get", "/api/admin/operators/{id}", "operators", "One operator", None, 200, Some(r("Operator"))),
        op("patch", "/api/admin/operators/{id}", "operators", "Change name, role, capacity or active",
            Some(body(&[("name?", string()), ("role?", roles()), ("capacity?", int()), ("active?", boolean())])), 200, Some(r("Operator"))),
        op("post", "/api/admin/operators/{id}/password", "operators", "Reset an operator's password", Some(body(&[("password", string())])), 204, None),
        op("get", "/api/admin/departments", "departments", "List departments", None, 200, Some(list_of(r("Department")))),
        op("post", "/api/admin/departments", "departments", "Create a department", Some(body(&[("name", string()), ("operator_ids?", id_list()), ("widget_visible?", boolean()), ("widget_labels?", r("Labels"))])), 201, Some(r("Department"))),
        op("get", "/api/admin/departments/{id}", "departments", "One department", None, 200, Some(r("Department"))),
        op("patch", "/api/admin/departments/{id}", "departments", "Rename, or change how the widget offers it", Some(body(&[("name?", string()), ("widget_visible?", boolean()), ("widget_labels?", r("Labels"))])), 200, Some(r("Department"))),
        op("delete", "/api/admin/departments/{id}", "departments", "Delete (not the default)", None, 204, None),
        op("put", "/api/admin/departments/{id}/members", "departments", "Replace the members", Some(body(&[("operator_ids", id_list())])), 200, Some(r("Department"))),
        op("post", "/api/admin/departments/{id}/members", "departments", "Add a member", Some(body(&[("operator_id", string())])), 200, Some(r("Department"))),
        op("delete", "/api/admin/departments/{id}/members/{operator_id}", "departments", "Remove a member", None, 200, Some(r("Department"))),
        op("get", "/api/admin/api-keys", "keys", "List publishable keys", None, 200, Some(list_of(r("ApiKey")))),
        op("post", "/api/admin/api-keys", "keys", "Create a key", Some(body(&[("label", string()), ("allowed_origins", array(string()))])), 201, Some(r("ApiKey"))),
        op("get", "/api/admin/api-keys/{id}", "keys", "One key", None, 200, Some(r("ApiKey"))),
        op("patch", "/api/admin/api-keys/{id}", "keys", "Change label or origins", Some(body(&[("label?", string()), ("allowed_origins?", array(string()))])), 200, Some(r("ApiKey"))),
        op("post", "/api/admin/api-keys/{id}/revoke", "keys", "Revoke (at once)", None, 200, Some(r("ApiKey"))),
        op("get", "/api/admin/identity-secret", "keys", "Whether a secret exists (never the secret)", None, 200, Some(r("IdentitySecret"))),
        op("post", "/api/admin/identity-secret", "keys", "Create or rotate; the only time it is shown", None, 201, Some(r("IdentitySecretCreated"))),
        Op { query: &["status", "assignee", "department", "category", "q", "cursor", "limit", "changed_since"],
            ..op("get", "/api/admin/conversations", "conversations", "The inbox list, or the feed delta with changed_since", None, 200, Some(r("ConversationList"))) },
        op("get", "/api/admin/conversations/{id}", "conversations", "One conversation with its visitor", None, 200, Some(r("ConversationDetail"))),
        op("delete", "/api/admin/conversations/{id}", "conversations", "Delete with its events and files", None, 204, None),
        op("patch", "/api/admin/conversations/{id}", "conversations", "Put the conversation in a category (or none: null)",
            Some(body(&[("category_id", nullable(string()))])), 200, Some(obj(&[("conversation", r("Conversation")), ("event", nullable(r("Event")))]))),
        op("get", "/api/admin/categories", "conversations", "The tenant's categories, in the order the rules try them", None, 200, Some(list_of(r("Category")))),
        op("post", "/api/admin/categories", "conversations", "Create a category (owners and admins)",
            Some(body(&[("name", string()), ("keywords?", array(string())), ("faq_ids?", array(string()))])), 201, Some(r("Category"))),
        op("patch", "/api/admin/categories/{id}", "conversations", "Change a category",
            Some(body(&[("name?", string()), ("keywords?", array(string())), ("faq_ids?", array(string()))])), 200, Some(r("Category"))),
        op("delete", "/api/admin/categories/{id}", "conversations", "Delete a category (its conversations keep their history)", None, 204, None),
        Op { query: &["after_seq", "limit"], ..op("get", "/api/admin/conversations/{id}/messages", "conversations", "Events in order", None, 200, Some(list_of(r("Event")))) },
        op("post", "/api/admin/conversations/{id}/messages", "conversations", "Send a message or a private note", Some(send.clone()), 201, Some(r("SendResult"))),
        Op { query: &["name", "client_msg_id", "caption"], ..op("post", "/api/admin/conversations/{id}/attachments", "conversations", "Upload a file (raw bytes)", None, 201, Some(r("Attachment"))) },
        op("post", "/api/admin/conversations/{id}/takeover", "conversations", "Take the conversation", None, 200, Some(r("StateChange"))),
        op("post", "/api/admin/conversations/{id}/assign", "conversations", "Assign to an operator", Some(body(&[("operator_id", string())])), 200, Some(r("StateChange"))),
        op("post", "/api/admin/conversations/{id}/transfer", "conversations", "Transfer to an operator or a department",
            Some(body(&[("operator_id?", string()), ("department_id?", string())])), 200, Some(r("StateChange"))),
        op("post", "/api/admin/conversations/{id}/close", "conversations", "Close", None, 200, Some(r("StateChange"))),
        op("post", "/api/admin/conversations/{id}/reopen", "conversations", "Reopen", None, 200, Some(r("StateChange"))),
        op("post", "/api/admin/conversations/{id}/read", "conversations", "Move the caller's read marker", Some(body(&[("seq", int())])), 200,
            Some(obj(&[("conversation", nullable(r("Conversation")))]))),
        op("patch", "/api/admin/me/status", "conversations", "The caller's availability", Some(body(&[("status", statuses())])), 200, Some(obj(&[("id", string()), ("status", statuses())]))),
        op("get", "/api/admin/canned-replies", "canned", "List canned replies", None, 200, Some(list_of(r("CannedReply")))),
        op("post", "/api/admin/canned-replies", "canned", "Create", Some(body(&[("shortcut", string()), ("text", string())])), 201, Some(r("CannedReply"))),
        op("patch", "/api/admin/canned-replies/{id}", "canned", "Change", Some(body(&[("shortcut?", string()), ("text?", string())])), 200, Some(r("CannedReply"))),
        op("delete", "/api/admin/canned-replies/{id}", "canned", "Delete", None, 204, None),
        op("get", "/api/admin/bot", "bot", "The bot menu flow", None, 200, Some(r("BotFlow"))),
        op("put", "/api/admin/bot", "bot", "Replace the flow (validated with exact paths)", Some(r("BotFlow")), 200, Some(r("BotFlow"))),
        op("get", "/api/admin/faq", "bot", "List FAQ entries", None, 200, Some(list_of(r("FaqEntry")))),
        op("post", "/api/admin/faq", "bot", "Create an FAQ entry", Some(faq.clone()), 201, Some(r("FaqEntry"))),
        op("patch", "/api/admin/faq/{id}", "bot", "Change an FAQ entry", Some(faq_change), 200, Some(r("FaqEntry"))),
        op("delete", "/api/admin/faq/{id}", "bot", "Delete an FAQ entry", None, 204, None),
        op("post", "/api/admin/faq/try", "bot", "What the bot would answer, and why", Some(body(&[("text", string()), ("locale?", string())])), 200, Some(r("FaqTry"))),
        op("get", "/api/admin/faq/unanswered", "bot", "Questions the bot could not answer, grouped, with weekly counts", None, 200, Some(r("Unanswered"))),
        op("post", "/api/admin/faq/unanswered/resolve", "bot", "Mark unanswered questions handled (by an entry, or dismissed)",
            Some(body(&[("keys", array(string())), ("faq_id?", nullable(string()))])), 200, Some(obj(&[("resolved", int()), ("faq_id", nullable(string()))]))),
        op("get", "/api/admin/settings", "settings", "Tenant settings", None, 200, Some(r("Settings"))),
        op("patch", "/api/admin/settings", "settings", "Change settings",
            Some(body(&[("name?", string()), ("require_verified_visitors?", boolean()),
                ("widget?", obj(&[("color?", string()), ("position?", one_of(&["right", "left"])), ("greeting?", string()), ("after_close?", one_of(&["reopen", "new"])), ("csat?", boolean()), ("page_tracking?", boolean()),
                    ("transcript_email?", boolean()), ("offline_emails?", array(string())), ("auto_close?", obj(&[("bot_minutes?", int()), ("visitor_minutes?", int())])),
                    ("prechat?", obj(&[("fields?", one_of(&["off", "name", "name_email"])), ("name_required?", boolean()), ("email_required?", boolean()), ("when?", one_of(&["start", "handoff"]))]))])),
                ("business_hours?", nullable(r("BusinessHours"))), ("uploads?", any_object())])), 200, Some(r("Settings"))),
        Op { query: &["cursor"], ..op("get", "/api/admin/audit-log", "settings", "Audit log, newest first", None, 200, Some(list_of(r("AuditEntry")))) },
        // The widget API: every call carries the publishable key (`?key=`) from an allowed origin; all
        // but config, session and faq/ask also the visitor's token.
        Op { query: &["locale"], ..op("get", "/api/widget/config", "widget", "The widget's configuration in the visitor's language (edge-cached, ETag)", None, 200, Some(r("WidgetConfig"))) },
        op("post", "/api/widget/faq/ask", "widget", "Best FAQ answers for a question; creates nothing", Some(body(&[("text", string()), ("locale?", string())])), 200, Some(r("FaqTry"))),
        op("post", "/api/widget/session", "widget", "Start or resume a visitor session (anonymous, by token, or verified)",
            Some(body(&[("token?", string()), ("external_id?", string()), ("hash?", string()), ("name?", string()), ("email?", string())])), 201, Some(r("VisitorSession"))),
        op("patch", "/api/widget/visitor", "widget", "The visitor's details (the pre-chat form)", Some(body(&[("name?", string()), ("email?", string())])), 200,
            Some(obj(&[("visitor", r("WidgetVisitor"))]))),
        op("get", "/api/widget/conversations", "widget", "The visitor's conversations, newest first", None, 200, Some(list_of(r("WidgetConversation")))),
        op("post", "/api/widget/conversations", "widget", "Start a conversation (idempotent per client_request_id)",
            Some(body(&[
                ("client_request_id?", string()), ("message?", obj(&[("client_msg_id", string()), ("text", string())])), ("menu_path?", array(string())),
                ("locale?", one_of(&LOCALES)), ("previous_conversation_id?", string()),
            ])), 201, Some(r("WidgetStarted"))),
        Op { query: &["after_seq", "limit"], ..op("get", "/api/widget/conversations/{id}/messages", "widget", "Events after after_seq, in order (no private ones)", None, 200, Some(list_of(r("Event")))) },
        op("post", "/api/widget/conversations/{id}/messages", "widget", "Send a message (the REST twin of the socket send)", Some(body(&[("client_msg_id", string()), ("text", string()), ("private?", boolean())])), 201, Some(r("WidgetEvent"))),
        Op { query: &["name", "client_msg_id", "caption"], ..op("post", "/api/widget/conversations/{id}/attachments", "widget", "Upload a file (raw bytes)", None, 201, Some(r("Attachment"))) },
        op("post", "/api/widget/conversations/{id}/contact", "widget", "Leave an email address for a reply", Some(body(&[("email", string())])), 200,
            Some(obj(&[("visitor", r("WidgetVisitor"))]))),
        op("post", "/api/widget/conversations/{id}/quick-reply", "widget", "A quick reply while the bot has the conversation",
            Some(body(&[("faq_id", string()), ("client_msg_id", string())])), 200, Some(r("WidgetEvent"))),
        op("post", "/api/widget/conversations/{id}/handoff", "widget", "Talk to a person", Some(body(&[("department_id?", string())])), 200, Some(r("WidgetChange"))),
        op("post", "/api/widget/conversations/{id}/close", "widget", "The visitor ends the conversation", None, 200, Some(r("WidgetChange"))),
        op("post", "/api/widget/conversations/{id}/rating", "widget", "Rate the closed conversation (1–5, once)",
            Some(body(&[("score", int()), ("comment?", string())])), 200, Some(r("WidgetChange"))),
        Op { query: &["format", "tz"], ..op("get", "/api/widget/conversations/{id}/transcript", "widget",
            "The conversation as a text file (format=text, text/plain) or a printable page (format=html, text/html), times in the zone tz", None, 200, None) },
        op("post", "/api/widget/conversations/{id}/transcript/email", "widget",
            "Email the transcript (when the deployment sends email; at most 3 times): at once to the address a verified visitor's site gave, else a confirmation link first (confirm: true)",
            Some(body(&[("email", string()), ("tz?", string())])), 200, Some(obj(&[("sent_to", string()), ("confirm", boolean())]))),
        Op { query: &["token"], ..op("get", "/api/transcripts/send", "widget", "The link in a transcript confirmation mail: sends the transcript once, answers a small text/html page", None, 200, None) },
        op("post", "/api/widget/conversations/{id}/page", "widget", "The page the visitor is on (operators only)",
            Some(body(&[("url", string()), ("title?", string()), ("referrer?", string()), ("tz?", string()), ("language?", string())])), 201, Some(r("WidgetEvent"))),
        Op { query: &["format", "conversation", "status", "department", "assignee", "from", "to"], ..op("get", "/api/admin/exports/conversations", "reports",
            "Export conversations, streamed: JSON (this array) or CSV with format=csv", None, 200, Some(array(r("ConversationExport")))) },
        Op { query: &["format", "conversation", "status", "department", "assignee", "from", "to"], ..op("get", "/api/admin/exports/events", "reports",
            "Export the events of conversations (notes included, no receipts or page views), streamed: JSON or CSV", None, 200, Some(array(r("EventExport")))) },
        Op { query: &["from", "to"], ..op("get", "/api/admin/reports/ratings", "reports", "Visitors' ratings (CSAT) in a period: overall, per operator, per department", None, 200, Some(r("RatingsReport"))) },
    ];
    ops.sort_by(|a, b| (a.path, a.method).cmp(&(b.path, b.method)));
    ops
}

/// The whole document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for o in operations() {
        let mut parameters: Vec<Value> = Vec::new();
        for segment in o.path.split('/').filter(|s| s.starts_with('{')) {
            parameters.push(json!({ "name": segment.trim_matches(|c| c == '{' || c == '}'), "in": "path", "required": true, "schema": string() }));
        }
        for q in o.query {
            parameters.push(json!({ "name": q, "in": "query", "required": false, "schema": string() }));
        }
        let mut responses = Map::new();
        let mut ok = json!({ "description": "success" });
        if let Some(answer) = &o.answer {
            ok["content"] = json!({ "application/json": { "schema": answer } });
        }
        responses.insert(o.status.to_string(), ok);
        responses.insert("default".into(), json!({ "description": "an error", "content": { "application/json": { "schema": r("Error") } } }));
        let mut operation = json!({
            "operationId": format!("{}{}", o.method, o.path.replace(['{', '}'], "").split(['/', '-']).map(|w| {
                let mut c = w.chars();
                c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
            }).collect::<String>()),
            "tags": [o.tag], "summary": o.summary, "responses": responses,
        });
        if !parameters.is_empty() {
            operation["parameters"] = json!(parameters);
        }
        if let Some(b) = &o.body {
            operation["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": b } } });
        }
        let public = o.path == "/api/health" || o.path == "/api/transcripts/send" || (o.path.starts_with("/api/auth/") && o.path != "/api/auth/me" && o.path != "/api/auth/password");
        if o.path.starts_with("/api/widget/") {
            let keyed = ["/api/widget/config", "/api/widget/session", "/api/widget/faq/ask"].contains(&o.path);
            operation["security"] = if keyed { json!([{ "publishableKey": [] }]) } else { json!([{ "publishableKey": [], "visitor": [] }]) };
        } else if !public {
            operation["security"] = json!([{ "bearer": [] }]);
        }
        let entry = paths.entry(o.path.to_string()).or_insert_with(|| json!({}));
        entry[o.method] = operation;
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "EdgeChat API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The operator console's management API (bearer: an operator's access token) and the widget API (publishableKey: the site's pk_… as ?key=, from an origin the key allows; visitor: the token from POST /api/widget/session). The realtime protocol is described in docs/protocol.md.",
        },
        "servers": [{ "url": "/" }],
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" },
                "publishableKey": { "type": "apiKey", "in": "query", "name": "key" },
                "visitor": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" },
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/openapi.json");

    #[test]
    fn docs_openapi_json_is_current() {
        let text = serde_json::to_string_pretty(&document()).unwrap() + "\n";
        if std::env::var_os("UPDATE_OPENAPI").is_some() {
            std::fs::write(FILE, &text).unwrap();
        }
        let committed = std::fs::read_to_string(FILE).unwrap_or_default();
        assert!(committed == text, "docs/openapi.json is stale: run `make openapi` (UPDATE_OPENAPI=1 cargo test --lib openapi)");
    }

    #[test]
    fn every_reference_resolves_and_operation_ids_are_unique() {
        let doc = document();
        let text = doc.to_string();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for part in text.split("#/components/schemas/").skip(1) {
            let name: String = part.chars().take_while(|c| c.is_alphanumeric()).collect();
            assert!(schemas.contains_key(&name), "dangling $ref {name}");
        }
        let mut ids: Vec<String> = Vec::new();
        for (_, item) in doc["paths"].as_object().unwrap() {
            for (_, operation) in item.as_object().unwrap() {
                let id = operation["operationId"].as_str().unwrap().to_string();
                assert!(!ids.contains(&id), "duplicate operationId {id}");
                ids.push(id);
            }
        }
        assert!(ids.len() >= 50, "{} operations", ids.len());
    }

    #[test]
    fn enumerations_follow_the_rust_types() {
        let doc = document();
        let roles = &doc["components"]["schemas"]["Operator"]["properties"]["role"]["enum"];
        for role in ["owner", "admin", "agent"] {
            assert!(roles.as_array().unwrap().iter().any(|r| r == role));
            assert!(Role::parse(role).is_ok());
        }
        let locales = &doc["components"]["schemas"]["BotFlow"]["properties"]["default_locale"]["enum"];
        assert_eq!(locales.as_array().unwrap().len(), LOCALES.len());
    }
}
