-- Aria.CrmSync PostgreSQL schema, version 5: the CRM record's last-modified time each sync state has agreed with.
--
-- Applied by the library's migrator after 0004 (same transaction, advisory lock, search_path set to the schema), or by
-- hand. Idempotent. The runtime role's table-level grants of 0003 cover the new column.
--
-- The connection sync skips a change-feed hit older than it (HubSpot's search index lags writes, and a lagging hit shows
-- the deal as it was before a write the state already took into account). NULL until a sync records it: existing rows
-- keep today's behaviour until their next sync.
ALTER TABLE lead_memory_crm_sync ADD COLUMN IF NOT EXISTS crm_last_modified_at timestamptz;
COMMENT ON COLUMN lead_memory_crm_sync.crm_last_modified_at IS 'Newest CRM last-modified time of the record this state agreed with (read or written); change-feed hits older than it are stale.';

INSERT INTO crm_sync_migrations (version, name) VALUES (5, '0005_crm_last_modified') ON CONFLICT (version) DO NOTHING;
