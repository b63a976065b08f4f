-- Attachments: bytes in R2 under t/{tenant}/c/{conversation}/{uuid}, metadata here.

CREATE TABLE attachments (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  conversation_id TEXT NOT NULL,
  object_key TEXT NOT NULL UNIQUE,
  -- Sanitised display/download name, with the extension of the detected type.
  name TEXT NOT NULL,
  size INTEGER NOT NULL,
  -- Detected from magic bytes: png, jpeg, gif, webp, pdf.
  kind TEXT NOT NULL,
  uploader_type TEXT NOT NULL,
  uploader_id TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX attachments_by_conversation ON attachments (conversation_id);

-- Per-tenant upload limits: NULL means the defaults (10 MiB; all of png, jpeg, gif, webp, pdf).
ALTER TABLE tenants ADD COLUMN upload_max_bytes INTEGER;
ALTER TABLE tenants ADD COLUMN upload_kinds TEXT;
