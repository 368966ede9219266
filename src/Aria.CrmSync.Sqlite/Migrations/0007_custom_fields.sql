-- Aria.CrmSync SQLite schema, version 7: the values of each lead's custom fields (LeadMemory.CustomFields), the fields
-- of the field catalogue beyond the four default ones. A JSON object of lead field name to canonical text (null is
-- blank); existing leads read it as empty until a sync or the host writes a value.
ALTER TABLE crm_sync_lead_memories ADD COLUMN custom_fields TEXT NOT NULL DEFAULT '{}';
