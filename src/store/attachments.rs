//! Attachment metadata (the bytes are in R2), and removing a conversation's data.

use super::{TenantStore, int, text, FromRow, Row, Store, StoreResult};

#[derive(Debug, Clone)]
pub struct AttachmentRow {
    pub id: String,
    pub tenant_id: String,
    pub conversation_id: String,
    pub object_key: String,
    pub name: String,
    pub size: i64,
    pub kind: String,
}

impl FromRow for AttachmentRow {
    fn from_row(r: &Row) -> Self {
        AttachmentRow {
            id: r.str("id"),
            tenant_id: r.str("tenant_id"),
            conversation_id: r.str("conversation_id"),
            object_key: r.str("object_key"),
            name: r.str("name"),
            size: r.i64("size"),
            kind: r.str("kind"),
        }
    }
}

pub struct UploadLimits {
    pub max_bytes: Option<i64>,
    /// JSON list text.
    pub kinds: Option<String>,
}

impl FromRow for UploadLimits {
    fn from_row(r: &Row) -> Self {
        UploadLimits { max_bytes: r.opt_i64("upload_max_bytes"), kinds: r.opt_str("upload_kinds") }
    }
}

pub struct NewAttachment<'a> {
    pub id: &'a str,
    pub tenant_id: &'a str,
    pub conversation_id: &'a str,
    pub object_key: &'a str,
    pub name: &'a str,
    pub size: i64,
    pub kind: &'a str,
    pub uploader_type: &'a str,
    pub uploader_id: &'a str,
    pub now: i64,
}

impl Store {
    pub async fn insert_attachment(&self, a: &NewAttachment<'_>) -> StoreResult<usize> {
        self.run(
            "INSERT INTO attachments (id, tenant_id, conversation_id, object_key, name, size, kind, uploader_type, uploader_id, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            &[text(a.id), text(a.tenant_id), text(a.conversation_id), text(a.object_key), text(a.name), int(a.size), text(a.kind), text(a.uploader_type), text(a.uploader_id), int(a.now)],
        )
        .await
    }

    pub async fn attachment_by_signed_key(&self, object_key: &str) -> StoreResult<Option<AttachmentRow>> {
        self.first("SELECT * FROM attachments WHERE object_key = ?1", &[text(object_key)]).await
    }
}

impl TenantStore<'_> {
    pub async fn delete_attachment(&self, id: &str) -> StoreResult<usize> {
        self.store.run("DELETE FROM attachments WHERE id = ?1 AND tenant_id = ?2", &[text(id), text(self.tenant_id)]).await
    }

    pub async fn upload_limits(&self) -> StoreResult<Option<UploadLimits>> {
        self.store.first("SELECT upload_max_bytes, upload_kinds FROM tenants WHERE id = ?1", &[text(self.tenant_id)]).await
    }

    pub fn set_upload_limits_statement(&self, max_bytes: Option<i64>, kinds: Option<&str>) -> StoreResult<worker::D1PreparedStatement> {
        self.store.stmt(
            "UPDATE tenants SET upload_max_bytes = ?2, upload_kinds = ?3 WHERE id = ?1",
            &[text(self.tenant_id), max_bytes.map(int).unwrap_or(worker::wasm_bindgen::JsValue::NULL), super::opt_text(kinds)],
        )
    }

    /// Removes a conversation and everything recorded about it (R2 objects are removed by the caller).
    /// Deletes a conversation's rows, with `also` (tombstone, feed entry, audit) in the same transaction.
    pub async fn delete_conversation_data(&self, conversation_id: &str, also: Vec<worker::D1PreparedStatement>) -> StoreResult<()> {
        let (t, c) = (text(self.tenant_id), text(conversation_id));
        let mut statements = vec![
            self.store.stmt("DELETE FROM events WHERE tenant_id = ?1 AND conversation_id = ?2", &[t.clone(), c.clone()])?,
            self.store.stmt("DELETE FROM attachments WHERE tenant_id = ?1 AND conversation_id = ?2", &[t.clone(), c.clone()])?,
            self.store.stmt("DELETE FROM operator_reads WHERE tenant_id = ?1 AND conversation_id = ?2", &[t.clone(), c.clone()])?,
            self.store.stmt("DELETE FROM bot_misses WHERE tenant_id = ?1 AND conversation_id = ?2", &[t.clone(), c.clone()])?,
            self.store.stmt("DELETE FROM conversations WHERE tenant_id = ?1 AND id = ?2", &[t, c])?,
        ];
        statements.extend(also);
        self.store.batch(statements).await
    }
}
