//! Handoff policy: which department a "talk to a person" goes to, and whether the bot must say that
//! nobody can take it now (and when the team is back). Decided in the Worker from one read of D1,
//! carried to the room inside the `Handoff` command.

use super::bot::hours_of;
use crate::http::error::{ApiError, ApiResult};
use crate::realtime::wire::{DepartmentRef, Handoff, Notice};
use crate::store::widget_context::WidgetContext;

/// Where a handoff goes, and what the bot says when nobody there can take it now (outside business
/// hours: when the team is back). Operators who are available outside hours are working: only an
/// empty seat list makes the bot step in.
pub fn handoff_plan(context: &WidgetContext, department_id: Option<&str>, now: i64) -> ApiResult<Handoff> {
    let department = context.department(department_id).ok_or_else(|| match department_id {
        Some(_) => ApiError::invalid("department_id", "is not a department of this site"),
        None => ApiError::internal("tenant without default department"),
    })?;
    let hours = context.settings.as_ref().and_then(hours_of);
    let open = hours.as_ref().is_none_or(|h| h.is_open(now));
    let notice = match (context.someone_free_in(&department.id), open) {
        (true, _) => None,
        (false, true) => Some(Notice::NoOperator),
        (false, false) => Some(Notice::Offline { next_open_at: hours.as_ref().and_then(|h| h.next_open(now)) }),
    };
    Ok(Handoff { department: DepartmentRef { id: department.id.clone(), name: department.name.clone() }, notice })
}
