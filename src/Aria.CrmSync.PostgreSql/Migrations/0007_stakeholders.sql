-- Aria.CrmSync PostgreSQL schema, version 7: the people on each lead's deal (LeadMemory.Stakeholders).
--
-- Applied by the library's migrator after 0006 (same transaction, advisory lock, search_path set to the schema), or by
-- hand. Idempotent. The runtime role's table-level grants of 0003 cover the new column.
--
-- Pulled from the CRM record's contacts (Salesforce OpportunityContactRole with its Contact, HubSpot deal-to-contact
-- associations): a jsonb array of contacts (id, name, email, title, role, is_primary). Existing leads read it as empty
-- until a sync pulls them.
ALTER TABLE crm_sync_lead_memories ADD COLUMN IF NOT EXISTS stakeholders jsonb NOT NULL DEFAULT '[]';
COMMENT ON COLUMN crm_sync_lead_memories.stakeholders IS 'People on the deal, pulled from the CRM record''s contacts (CRM to lead only).';

INSERT INTO crm_sync_migrations (version, name) VALUES (7, '0007_stakeholders') ON CONFLICT (version) DO NOTHING;
