-- Aria.CrmSync SQLite schema, version 5: fleet scheduling on the connection registry (ICrmConnectionScheduler), for a
-- single host process (claims run in an immediate write transaction). Existing rows keep their data: next_due_at NULL
-- means "due now".
ALTER TABLE crm_sync_connections ADD COLUMN tenant_id TEXT;
ALTER TABLE crm_sync_connections ADD COLUMN next_due_at TEXT;
ALTER TABLE crm_sync_connections ADD COLUMN lease_owner TEXT;
ALTER TABLE crm_sync_connections ADD COLUMN lease_token INTEGER NOT NULL DEFAULT 0;
ALTER TABLE crm_sync_connections ADD COLUMN lease_expires_at TEXT;
ALTER TABLE crm_sync_connections ADD COLUMN last_synced_at TEXT;
CREATE INDEX crm_sync_connections_due ON crm_sync_connections (next_due_at);
