-- Aria.CrmSync PostgreSQL schema, version 6: fleet scheduling on the connection registry (ICrmConnectionScheduler).
-- Each registered connection carries when it is next due and, while a host process syncs it, a row lease: the owner,
-- a fencing token that grows with every claim, and an expiry that the owner's heartbeat pushes forward. Processes claim
-- due rows with SELECT ... FOR UPDATE SKIP LOCKED under a transaction-scoped advisory lock (so per-tenant caps hold
-- across processes); a crashed process's rows become claimable when their lease expires.
-- Existing rows keep their data: next_due_at NULL means "due now", so every registered connection runs on the first pass.
-- No new table and no new grant: the runtime role of 0003 (crm_sync_grant_runtime) already reads and writes
-- crm_sync_connections, and pg_advisory_xact_lock needs no privilege. Idempotent, like the earlier versions.
ALTER TABLE crm_sync_connections
  ADD COLUMN IF NOT EXISTS tenant_id text,
  ADD COLUMN IF NOT EXISTS next_due_at timestamptz,
  ADD COLUMN IF NOT EXISTS lease_owner text,
  ADD COLUMN IF NOT EXISTS lease_token bigint NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS lease_expires_at timestamptz,
  ADD COLUMN IF NOT EXISTS last_synced_at timestamptz;

CREATE INDEX IF NOT EXISTS crm_sync_connections_due ON crm_sync_connections (next_due_at NULLS FIRST);
CREATE INDEX IF NOT EXISTS crm_sync_connections_lease_owner ON crm_sync_connections (lease_owner) WHERE lease_owner IS NOT NULL;
COMMENT ON COLUMN crm_sync_connections.next_due_at IS 'When the fleet scheduler next syncs the connection (NULL: now).';
COMMENT ON COLUMN crm_sync_connections.lease_owner IS 'The host process syncing the connection while lease_expires_at is in the future (NULL: nobody).';

INSERT INTO crm_sync_migrations (version, name) VALUES (6, '0006_fleet_scheduling') ON CONFLICT (version) DO NOTHING;
