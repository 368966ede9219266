-- Aria.CrmSync SQLite schema, version 4: the CRM record's last-modified time each sync state has agreed with.
-- The connection sync skips a change-feed hit older than it (HubSpot's search index lags writes, and a lagging hit shows
-- the deal as it was before a write the state already took into account). NULL until a sync records it: existing rows
-- keep today's behaviour until their next sync.
ALTER TABLE lead_memory_crm_sync ADD COLUMN crm_last_modified_at TEXT;
