//! Embeddings for semantic FAQ matching, when the deployment has a provider: Workers AI through the
//! `AI` binding (model `EMBEDDINGS_MODEL`, default `@cf/baai/bge-m3`, multilingual), or any
//! OpenAI-compatible endpoint (`EMBEDDINGS_URL` = its base URL, `EMBEDDINGS_MODEL`, the key as the
//! secret `EMBEDDINGS_KEY`). Without either, nothing here runs and matching is lexical. Every failure
//! (timeout, an error status, a malformed answer, a wrong dimension) is an `Err` the caller logs
//! before falling back to lexical matching.

use futures_util::future::{select, Either};
use serde::Deserialize;
use serde_json::json;
use worker::{AbortController, Env, Fetch, Headers, Method, Request, RequestInit};

/// What a question may wait for its embedding before the bot answers lexically.
pub const ASK_TIMEOUT_MS: u64 = 1500;
/// What saving an entry may wait.
pub const SAVE_TIMEOUT_MS: u64 = 5000;
const MIN_DIM: usize = 8;
const MAX_DIM: usize = 4096;

pub enum Provider {
    WorkersAi { model: String },
    OpenAi { base_url: String, model: String, key: Option<String> },
}

fn var(env: &Env, name: &str) -> Option<String> {
    env.var(name).ok().map(|v| v.to_string()).filter(|v| !v.trim().is_empty())
}

#[derive(Deserialize)]
struct OpenAiAnswer {
    data: Vec<OpenAiVector>,
}

#[derive(Deserialize)]
struct OpenAiVector {
    embedding: Vec<f32>,
    #[serde(default)]
    index: Option<usize>,
}

#[derive(Deserialize)]
struct WorkersAiAnswer {
    data: Vec<Vec<f32>>,
}

/// Checks a provider's vectors: one per text, all of one dimension within bounds, finite.
pub fn check_vectors(vectors: Vec<Vec<f32>>, texts: usize, want_dim: Option<usize>) -> Result<Vec<Vec<f32>>, String> {
    if vectors.len() != texts {
        return Err(format!("{} vectors for {texts} texts", vectors.len()));
    }
    let dim = vectors.first().map(Vec::len).unwrap_or(0);
    if !(MIN_DIM..=MAX_DIM).contains(&dim) && texts > 0 {
        return Err(format!("dimension {dim} is out of range"));
    }
    if let Some(want) = want_dim {
        if dim != want {
            return Err(format!("dimension {dim}, the entries have {want}"));
        }
    }
    if vectors.iter().any(|v| v.len() != dim || v.iter().any(|x| !x.is_finite())) {
        return Err("vectors of mixed dimensions or with non-finite values".into());
    }
    Ok(vectors)
}

impl Provider {
    pub fn from_env(env: &Env) -> Option<Provider> {
        let model = var(env, "EMBEDDINGS_MODEL");
        if let Some(base_url) = var(env, "EMBEDDINGS_URL") {
            let local = base_url.starts_with("http://127.0.0.1") || base_url.starts_with("http://localhost");
            if !base_url.starts_with("https://") && !local {
                worker::console_error!("EMBEDDINGS_URL must be https (http only for localhost): embeddings are off");
                return None;
            }
            let key = env.secret("EMBEDDINGS_KEY").ok().map(|k| k.to_string()).or_else(|| var(env, "EMBEDDINGS_KEY"));
            return Some(Provider::OpenAi { base_url: base_url.trim_end_matches('/').to_string(), model: model.unwrap_or_else(|| "text-embedding-3-small".into()), key });
        }
        env.ai("AI").ok().map(|_| Provider::WorkersAi { model: model.unwrap_or_else(|| "@cf/baai/bge-m3".into()) })
    }

    pub fn model(&self) -> &str {
        match self {
            Provider::WorkersAi { model } | Provider::OpenAi { model, .. } => model,
        }
    }

    /// One vector per text, or why not, within `timeout_ms`.
    pub async fn embed(&self, env: &Env, texts: &[String], want_dim: Option<usize>, timeout_ms: u64) -> Result<Vec<Vec<f32>>, String> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let controller = AbortController::default();
        let signal = controller.signal();
        let call = Box::pin(self.call(env, texts, signal));
        let timer = Box::pin(worker::Delay::from(std::time::Duration::from_millis(timeout_ms)));
        let vectors = match select(call, timer).await {
            Either::Left((result, _)) => result?,
            Either::Right(_) => {
                controller.abort();
                return Err(format!("no answer within {timeout_ms} ms"));
            }
        };
        check_vectors(vectors, texts.len(), want_dim)
    }

    async fn call(&self, env: &Env, texts: &[String], signal: worker::AbortSignal) -> Result<Vec<Vec<f32>>, String> {
        match self {
            Provider::WorkersAi { model } => {
                let ai = env.ai("AI").map_err(|e| e.to_string())?;
                let answer: WorkersAiAnswer = ai.run(model, json!({ "text": texts })).await.map_err(|e| format!("Workers AI: {e}"))?;
                Ok(answer.data)
            }
            Provider::OpenAi { base_url, model, key } => {
                let headers = Headers::new();
                headers.set("content-type", "application/json").map_err(|e| e.to_string())?;
                if let Some(key) = key {
                    headers.set("authorization", &format!("Bearer {key}")).map_err(|e| e.to_string())?;
                }
                let body = json!({ "model": model, "input": texts }).to_string();
                let mut init = RequestInit::new();
                init.with_method(Method::Post).with_headers(headers).with_body(Some(body.into()));
                let req = Request::new_with_init(&format!("{base_url}/embeddings"), &init).map_err(|e| e.to_string())?;
                let mut res = Fetch::Request(req).send_with_signal(&signal).await.map_err(|e| format!("request failed: {e}"))?;
                if !(200..300).contains(&res.status_code()) {
                    return Err(format!("status {}", res.status_code()));
                }
                let mut answer: OpenAiAnswer = res.json().await.map_err(|e| format!("malformed answer: {e}"))?;
                answer.data.sort_by_key(|v| v.index.unwrap_or(0));
                Ok(answer.data.into_iter().map(|v| v.embedding).collect())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::check_vectors;

    #[test]
    fn vectors_are_checked_for_count_dimension_and_values() {
        let v = |n: usize, x: f32| vec![x; n];
        assert!(check_vectors(vec![v(8, 0.1), v(8, 0.2)], 2, None).is_ok());
        assert!(check_vectors(vec![v(8, 0.1)], 2, None).unwrap_err().contains("1 vectors for 2"));
        assert!(check_vectors(vec![v(4, 0.1)], 1, None).unwrap_err().contains("out of range"));
        assert!(check_vectors(vec![v(8, 0.1), v(9, 0.1)], 2, None).is_err());
        assert!(check_vectors(vec![v(8, f32::NAN)], 1, None).is_err());
        assert!(check_vectors(vec![v(16, 0.1)], 1, Some(8)).unwrap_err().contains("dimension 16"));
    }
}
