//! Reports for owners and admins. Ratings (CSAT): `GET /api/admin/reports/ratings?from=&to=` (ms,
//! default the last 30 days) → the period's count, average and distribution of scores, overall, per
//! operator who had the conversation when it closed and per department.

use serde_json::{json, Value};
use worker::{Request, Response};

use crate::http::error::{ApiError, ApiResult};
use crate::http::session::Operator;
use crate::http::{int_param, json, Ctx};
use crate::store::ratings::RatingCount;

const DAY_MS: i64 = 24 * 3600 * 1000;
/// The longest period one report covers.
const MAX_PERIOD_MS: i64 = 366 * DAY_MS;

pub async fn ratings(req: Request, ctx: &Ctx, op: &Operator) -> ApiResult<Response> {
    op.role.require_manager()?;
    let to = int_param(&req, "to")?.unwrap_or(ctx.now + 1);
    let from = int_param(&req, "from")?.unwrap_or(to - 30 * DAY_MS);
    if from >= to {
        return Err(ApiError::invalid("from", "must be before to"));
    }
    if to - from > MAX_PERIOD_MS {
        return Err(ApiError::invalid("from", "a report covers at most 366 days"));
    }
    let counts = ctx.store.tenant(op.tenant_id()).rating_counts(from, to).await?;
    let mut body = summarize(&counts);
    body["from"] = json!(from);
    body["to"] = json!(to);
    json(200, &body)
}

/// Count, average (two decimals) and the number of each score (1–5) of some ratings.
fn totals<'a>(rows: impl Iterator<Item = &'a RatingCount>) -> Value {
    let mut scores = [0i64; 5];
    for r in rows {
        if let Some(slot) = usize::try_from(r.score - 1).ok().and_then(|i| scores.get_mut(i)) {
            *slot += r.n;
        }
    }
    let count: i64 = scores.iter().sum();
    let sum: i64 = scores.iter().zip(1..).map(|(n, s)| n * s).sum();
    let average = if count > 0 { Some(((sum as f64 / count as f64) * 100.0).round() / 100.0) } else { None };
    json!({ "count": count, "average": average, "scores": scores })
}

/// The whole period, per operator and per department (each group's totals, most ratings first).
fn summarize(rows: &[RatingCount]) -> Value {
    let group = |key: fn(&RatingCount) -> (Option<String>, Option<String>)| {
        let mut keys: Vec<(Option<String>, Option<String>)> = Vec::new();
        for r in rows {
            let k = key(r);
            if !keys.iter().any(|x| x.0 == k.0) {
                keys.push(k);
            }
        }
        let mut groups: Vec<Value> = keys
            .into_iter()
            .map(|(id, name)| {
                let mut t = totals(rows.iter().filter(|r| key(r).0 == id));
                t["id"] = json!(id);
                t["name"] = json!(name);
                t
            })
            .collect();
        groups.sort_by(|a, b| b["count"].as_i64().cmp(&a["count"].as_i64()).then_with(|| a["name"].as_str().cmp(&b["name"].as_str())));
        groups
    };
    json!({
        "total": totals(rows.iter()),
        "by_operator": group(|r| (r.assignee_id.clone(), r.operator_name.clone())),
        "by_department": group(|r| (r.department_id.clone(), r.department_name.clone())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(op: Option<&str>, dep: &str, score: i64, n: i64) -> RatingCount {
        RatingCount {
            assignee_id: op.map(Into::into),
            operator_name: op.map(|o| format!("Op {o}")),
            department_id: Some(dep.into()),
            department_name: Some(format!("Dep {dep}")),
            score,
            n,
        }
    }

    #[test]
    fn ratings_are_summed_per_operator_and_department() {
        let rows = [row(Some("a"), "d1", 5, 3), row(Some("a"), "d2", 4, 1), row(Some("b"), "d1", 1, 2), row(None, "d1", 3, 1)];
        let s = summarize(&rows);
        assert_eq!(s["total"]["count"], 7);
        assert_eq!(s["total"]["scores"], json!([2, 0, 1, 1, 3]));
        assert_eq!(s["total"]["average"], json!(3.43), "(15+4+2+3)/7");
        let ops = s["by_operator"].as_array().map(Vec::as_slice).unwrap_or_default();
        assert_eq!(ops.len(), 3);
        assert_eq!((ops[0]["id"].clone(), ops[0]["count"].clone(), ops[0]["average"].clone()), (json!("a"), json!(4), json!(4.75)));
        assert_eq!((ops[1]["id"].clone(), ops[1]["average"].clone()), (json!("b"), json!(1.0)));
        assert_eq!(ops[2]["id"], Value::Null, "closed by the bot or the visitor before anyone took it");
        let deps = s["by_department"].as_array().map(Vec::as_slice).unwrap_or_default();
        assert_eq!((deps[0]["id"].clone(), deps[0]["count"].clone(), deps[0]["name"].clone()), (json!("d1"), json!(6), json!("Dep d1")));
        assert_eq!(summarize(&[])["total"], json!({ "count": 0, "average": null, "scores": [0, 0, 0, 0, 0] }));
    }
}
