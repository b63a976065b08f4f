//! Durable Objects: `ConversationRoom` (one per conversation: sockets, sequence, live state) and
//! `TenantInbox` (one per tenant: operators' console sockets and the routing queue).

pub mod bot;
pub mod conversation;
pub mod protocol;
pub mod inbox;
