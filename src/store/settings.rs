//! Tenant-wide settings kept on the tenant row.

use super::{int, text, StoreResult, TenantStore};

impl TenantStore<'_> {
    pub fn update_tenant_settings_statement(&self, name: &str, require_verified: bool, widget_settings: &str) -> StoreResult<worker::D1PreparedStatement> {
        self.store.stmt(
            "UPDATE tenants SET name = ?2, require_verified = ?3, widget_settings = ?4 WHERE id = ?1",
            &[text(self.tenant_id), text(name), int(require_verified as i64), text(widget_settings)],
        )
    }
}
