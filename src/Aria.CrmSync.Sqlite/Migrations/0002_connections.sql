-- Aria.CrmSync SQLite schema, version 2: the connection registry (ICrmConnectionRegistry), read by the sync worker
-- on every pass.
CREATE TABLE crm_sync_connections (
  user_id TEXT NOT NULL,
  provider TEXT NOT NULL,
  state TEXT NOT NULL,
  pause_reason TEXT,
  paused_until TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (user_id, provider)
) STRICT, WITHOUT ROWID;
