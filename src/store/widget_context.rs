//! What the widget's live path needs from D1 in one round trip (a batch of reads): the visitor, the
//! tenant's bot settings, its departments and who can take a chat in each right now.

use super::bot::BotSettingsRow;
use super::departments::DepartmentRow;
use super::tenants::TenantRow;
use super::visitors::VisitorRow;
use super::{text, FromRow, Row, StoreResult, TenantStore};

/// Operators available to take one more chat, per department.
#[derive(Debug, Clone)]
pub struct Seats {
    pub department_id: String,
    pub n: i64,
}

impl FromRow for Seats {
    fn from_row(r: &Row) -> Self {
        Seats { department_id: r.str("department_id"), n: r.i64("n") }
    }
}

pub struct WidgetContext {
    pub visitor: Option<VisitorRow>,
    pub settings: Option<BotSettingsRow>,
    pub departments: Vec<DepartmentRow>,
    pub seats: Vec<Seats>,
}

impl WidgetContext {
    /// The department asked for, or the default one.
    pub fn department(&self, id: Option<&str>) -> Option<&DepartmentRow> {
        match id {
            Some(id) => self.departments.iter().find(|d| d.id == id),
            None => self.departments.iter().find(|d| d.is_default == 1),
        }
    }

    /// Whether someone in the department could take a chat now.
    pub fn someone_free_in(&self, department_id: &str) -> bool {
        self.seats.iter().any(|s| s.department_id == department_id && s.n > 0)
    }
}

impl TenantStore<'_> {
    /// The tenant and whether any operator is available, in one round trip (widget config).
    /// The tenant, whether anyone is available, and the departments offered in the widget.
    pub async fn widget_config_context(&self) -> StoreResult<(Option<TenantRow>, bool, Vec<DepartmentRow>)> {
        let t = text(self.tenant_id);
        let results = self
            .store.read_batch(vec![
                self.store.stmt("SELECT * FROM tenants WHERE id = ?1", &[t.clone()])?,
                self.store.stmt("SELECT COUNT(*) AS n FROM operators WHERE tenant_id = ?1 AND active = 1 AND status = 'available'", &[t.clone()])?,
                self.store.stmt("SELECT * FROM departments WHERE tenant_id = ?1 AND widget_visible = 1 ORDER BY is_default DESC, name", &[t])?,
            ])
            .await?;
        let tenant = results.first().and_then(|r| r.rows::<TenantRow>().into_iter().next());
        let available = results.get(1).and_then(|r| r.rows::<super::Count>().into_iter().next()).is_some_and(|c| c.n > 0);
        let departments = results.get(2).map(|r| r.rows::<DepartmentRow>()).unwrap_or_default();
        Ok((tenant, available, departments))
    }

    pub async fn widget_context_by_visitor_id(&self, visitor_id: &str) -> StoreResult<WidgetContext> {
        let (t, v) = (text(self.tenant_id), text(visitor_id));
        let results = self
            .store.read_batch(vec![
                self.store.stmt("SELECT * FROM visitors WHERE tenant_id = ?1 AND id = ?2", &[t.clone(), v])?,
                self.store.stmt("SELECT name, bot_flow, business_hours, widget_settings FROM tenants WHERE id = ?1", &[t.clone()])?,
                self.store.stmt("SELECT * FROM departments WHERE tenant_id = ?1 ORDER BY created_at, id", &[t.clone()])?,
                self.store.stmt(
                    "SELECT m.department_id AS department_id, COUNT(*) AS n
                     FROM operators o JOIN department_members m ON m.operator_id = o.id
                     WHERE o.tenant_id = ?1 AND o.active = 1 AND o.status = 'available'
                       AND (SELECT COUNT(*) FROM conversations c WHERE c.tenant_id = o.tenant_id AND c.assignee_id = o.id AND c.status = 'active') < o.capacity
                     GROUP BY m.department_id",
                    &[t],
                )?,
            ])
            .await?;
        let rows = |i: usize| results.get(i);
        Ok(WidgetContext {
            visitor: rows(0).and_then(|r| r.rows::<VisitorRow>().into_iter().next()),
            settings: rows(1).and_then(|r| r.rows::<BotSettingsRow>().into_iter().next()),
            departments: rows(2).map(|r| r.rows::<DepartmentRow>()).unwrap_or_default(),
            seats: rows(3).map(|r| r.rows::<Seats>()).unwrap_or_default(),
        })
    }
}
