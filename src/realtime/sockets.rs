//! The hibernating sockets of a Durable Object, each with its metadata (who, and how far it has been
//! served) kept in the socket's attachment, so the set is rebuilt exactly after a wake-up.

use std::cell::RefCell;

use serde::de::DeserializeOwned;
use serde::Serialize;
use worker::{State, WebSocket};

pub struct SocketSet<M> {
    /// Built from the runtime's socket list on first use after a wake-up.
    peers: RefCell<Option<Vec<(WebSocket, M)>>>,
}

impl<M> Default for SocketSet<M> {
    fn default() -> Self {
        SocketSet { peers: RefCell::new(None) }
    }
}

fn encode<M: Serialize>(meta: &M) -> String {
    serde_json::to_string(meta).unwrap_or_default()
}

impl<M: Clone + Serialize + DeserializeOwned> SocketSet<M> {
    fn with<T>(&self, state: &State, f: impl FnOnce(&mut Vec<(WebSocket, M)>) -> T) -> T {
        let mut peers = self.peers.borrow_mut();
        let list = peers.get_or_insert_with(|| {
            state
                .get_websockets()
                .into_iter()
                .filter_map(|ws| {
                    let text = ws.deserialize_attachment::<String>().ok().flatten()?;
                    let meta = serde_json::from_str::<M>(&text).ok()?;
                    Some((ws, meta))
                })
                .collect()
        });
        f(list)
    }

    /// Accepts a socket's metadata (the socket must already be accepted by the runtime).
    pub fn add(&self, state: &State, ws: &WebSocket, meta: M) -> worker::Result<()> {
        ws.serialize_attachment(encode(&meta))?;
        self.with(state, |peers| peers.push((ws.clone(), meta)));
        Ok(())
    }

    pub fn all(&self, state: &State) -> Vec<(WebSocket, M)> {
        self.with(state, |peers| peers.clone())
    }

    pub fn meta(&self, state: &State, ws: &WebSocket) -> Option<M> {
        self.with(state, |peers| peers.iter().find(|p| p.0 == *ws).map(|p| p.1.clone()))
    }

    /// Changes a socket's metadata, in memory and in its attachment.
    pub fn update(&self, state: &State, ws: &WebSocket, change: impl FnOnce(&mut M)) -> Option<M> {
        let meta = self.with(state, |peers| {
            peers.iter_mut().find(|p| p.0 == *ws).map(|p| {
                change(&mut p.1);
                p.1.clone()
            })
        })?;
        let _ = ws.serialize_attachment(encode(&meta));
        Some(meta)
    }

    pub fn remove(&self, state: &State, ws: &WebSocket) -> Option<M> {
        self.with(state, |peers| {
            let at = peers.iter().position(|p| p.0 == *ws)?;
            Some(peers.remove(at).1)
        })
    }
}
