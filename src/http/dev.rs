//! `GET|POST /__dev/faults`: switches the dev-only D1 faults (`store::faults`) of a local run while it
//! runs. Answers 404 unless the run has `DEV_FAULTS=1` and the request came to a loopback host.

use worker::{Method, Request, Response};

use super::error::{ApiError, ApiResult};
use super::{json, read_json, Ctx};
use crate::store::faults::{self, Faults};

fn loopback(req: &Request) -> bool {
    let url = req.inner().url();
    let host = url.split("://").nth(1).unwrap_or("").split('/').next().unwrap_or("");
    let name = host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host);
    matches!(name, "127.0.0.1" | "localhost" | "[::1]")
}

pub async fn faults(mut req: Request, ctx: &Ctx) -> ApiResult<Response> {
    if !faults::enabled(&ctx.env) || !loopback(&req) {
        return Err(ApiError::not_found("route"));
    }
    if req.method() == Method::Post {
        let wanted: Faults = read_json(&mut req).await?;
        faults::set(wanted);
    }
    json(200, &faults::current(&ctx.env))
}
