-- Aria.CrmSync PostgreSQL schema, version 8: the values of each lead's custom fields (LeadMemory.CustomFields).
--
-- Applied by the library's migrator after 0007 (same transaction, advisory lock, search_path set to the schema), or by
-- hand. Idempotent. The runtime role's table-level grants of 0003 (SELECT, INSERT, UPDATE, DELETE on
-- crm_sync_lead_memories) cover the new column.
--
-- The fields of the field catalogue beyond the four default ones: a jsonb object of lead field name to canonical text
-- (null is blank). Existing leads read it as empty until a sync or the host writes a value.
ALTER TABLE crm_sync_lead_memories ADD COLUMN IF NOT EXISTS custom_fields jsonb NOT NULL DEFAULT '{}';
COMMENT ON COLUMN crm_sync_lead_memories.custom_fields IS 'Custom field values by lead field name (canonical text, null = blank).';

INSERT INTO crm_sync_migrations (version, name) VALUES (8, '0008_custom_fields') ON CONFLICT (version) DO NOTHING;
