//! What is neither a Durable Object nor an HTTP handler: the bot's glue (its answers from the FAQ, its
//! flow and hours) and the handoff policy, used by the Worker and by the rooms.

pub mod bot;
pub mod embeddings;
pub mod handoff;
pub mod mail;
