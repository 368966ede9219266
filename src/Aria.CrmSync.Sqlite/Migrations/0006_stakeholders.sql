-- Aria.CrmSync SQLite schema, version 6: the people on each lead's deal (LeadMemory.Stakeholders), pulled from the
-- CRM record's contacts (Salesforce OpportunityContactRole, HubSpot deal-to-contact associations). A JSON array of
-- contacts (id, name, email, title, role, is_primary); existing leads read it as empty until a sync pulls them.
ALTER TABLE crm_sync_lead_memories ADD COLUMN stakeholders TEXT NOT NULL DEFAULT '[]';
