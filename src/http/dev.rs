//! `GET|POST /__dev/faults`: switches the dev-only D1 faults (`store::faults`) of a local run while it
//! runs. Answers 404 unless the run has `DEV_FAULTS=1` and the request came to a loopback host.

use worker::{Method, Request, Response};

use super::error::{ApiError, ApiResult};
use super::{json, read_json, Ctx};
use crate::domain::target::is_loopback_url;
use crate::store::faults::{self, Faults};

pub async fn faults(mut req: Request, ctx: &Ctx) -> ApiResult<Response> {
    if !faults::enabled(&ctx.env) || !is_loopback_url(&req.inner().url()) {
        return Err(ApiError::not_found("route"));
    }
    if req.method() == Method::Post {
        let wanted: Faults = read_json(&mut req).await?;
        faults::set(wanted);
    }
    json(200, &faults::current(&ctx.env))
}
