//! Departments (teams) and who belongs to them. Each tenant has exactly one default department.

use worker::D1PreparedStatement;

use super::{int, text, FromRow, Row, StoreResult, TenantStore};

#[derive(Debug, Clone)]
pub struct DepartmentRow {
    pub id: String,
    pub tenant_id: String,
    pub name: String,
    pub is_default: i64,
    pub created_at: i64,
    /// Offered to visitors in the widget's "Which team?" choice.
    pub widget_visible: i64,
    /// JSON object: the label per language (`{"ja": "営業"}`).
    pub widget_labels: String,
}

impl DepartmentRow {
    pub fn labels(&self) -> std::collections::BTreeMap<String, String> {
        serde_json::from_str(&self.widget_labels).unwrap_or_default()
    }

    /// What the widget calls it in `locale`: its label there, else its name.
    pub fn label(&self, locale: &str) -> String {
        self.labels().remove(locale).unwrap_or_else(|| self.name.clone())
    }
}

impl FromRow for DepartmentRow {
    fn from_row(r: &Row) -> Self {
        DepartmentRow { id: r.str("id"), tenant_id: r.str("tenant_id"), name: r.str("name"), is_default: r.i64("is_default"), created_at: r.i64("created_at"), widget_visible: r.opt_i64("widget_visible").unwrap_or(0), widget_labels: r.opt_str("widget_labels").unwrap_or_else(|| "{}".into()) }
    }
}

impl TenantStore<'_> {
    /// A new department; `widget_visible` and `widget_labels` (JSON) as in `update_department_statement`.
    pub fn insert_department_statement(&self, id: &str, name: &str, is_default: bool, widget_visible: bool, widget_labels: &str, now: i64) -> StoreResult<D1PreparedStatement> {
        self.store.stmt(
            "INSERT INTO departments (id, tenant_id, name, is_default, widget_visible, widget_labels, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            &[text(id), text(self.tenant_id), text(name), int(is_default as i64), int(widget_visible as i64), text(widget_labels), int(now)],
        )
    }

    pub async fn departments(&self) -> StoreResult<Vec<DepartmentRow>> {
        self.store.all("SELECT * FROM departments WHERE tenant_id = ?1 ORDER BY is_default DESC, name", &[text(self.tenant_id)]).await
    }

    pub async fn department(&self, id: &str) -> StoreResult<Option<DepartmentRow>> {
        self.store.first("SELECT * FROM departments WHERE tenant_id = ?1 AND id = ?2", &[text(self.tenant_id), text(id)]).await
    }

    pub async fn default_department(&self) -> StoreResult<Option<DepartmentRow>> {
        self.store.first("SELECT * FROM departments WHERE tenant_id = ?1 AND is_default = 1", &[text(self.tenant_id)]).await
    }

    /// Its name and how the widget offers it.
    pub fn update_department_statement(&self, id: &str, name: &str, widget_visible: bool, widget_labels: &str) -> StoreResult<D1PreparedStatement> {
        self.store.stmt(
            "UPDATE departments SET name = ?3, widget_visible = ?4, widget_labels = ?5 WHERE tenant_id = ?1 AND id = ?2",
            &[text(self.tenant_id), text(id), text(name), int(widget_visible as i64), text(widget_labels)],
        )
    }

    pub fn delete_department_members_statement(&self, department_id: &str) -> StoreResult<D1PreparedStatement> {
        self.store.stmt("DELETE FROM department_members WHERE tenant_id = ?1 AND department_id = ?2", &[text(self.tenant_id), text(department_id)])
    }

    /// Deletes a non-default department (the default one is protected here too, not only in `http`).
    pub fn delete_department_statement(&self, id: &str) -> StoreResult<D1PreparedStatement> {
        self.store.stmt("DELETE FROM departments WHERE tenant_id = ?1 AND id = ?2 AND is_default = 0", &[text(self.tenant_id), text(id)])
    }

    pub fn add_member_statement(&self, department_id: &str, operator_id: &str) -> StoreResult<D1PreparedStatement> {
        self.store.stmt(
            "INSERT OR IGNORE INTO department_members (department_id, operator_id, tenant_id) VALUES (?1, ?2, ?3)",
            &[text(department_id), text(operator_id), text(self.tenant_id)],
        )
    }

    pub fn remove_member_statement(&self, department_id: &str, operator_id: &str) -> StoreResult<D1PreparedStatement> {
        self.store.stmt(
            "DELETE FROM department_members WHERE tenant_id = ?1 AND department_id = ?2 AND operator_id = ?3",
            &[text(self.tenant_id), text(department_id), text(operator_id)],
        )
    }

    pub fn delete_operator_memberships_statement(&self, operator_id: &str) -> StoreResult<D1PreparedStatement> {
        self.store.stmt("DELETE FROM department_members WHERE tenant_id = ?1 AND operator_id = ?2", &[text(self.tenant_id), text(operator_id)])
    }
}
