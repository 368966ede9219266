-- Aria.CrmSync SQLite schema, version 1.
-- Applied once, inside one BEGIN IMMEDIATE transaction, by the library's migrator (recorded in crm_sync_migrations).
-- Times are UTC text 'yyyy-MM-ddTHH:mm:ss.fffffffZ' (fixed width, so text order is time order); decimals are
-- invariant-culture text (exact); JSON columns are text written with CrmSyncJson.Options.

-- Sync state: the seed's lead_memory_crm_sync, extended with what the engine needs.
CREATE TABLE lead_memory_crm_sync (
  id TEXT NOT NULL PRIMARY KEY,
  lead_memory_id TEXT NOT NULL UNIQUE,
  user_id TEXT,
  provider TEXT,
  crm_id TEXT,
  status TEXT NOT NULL,
  sync_direction TEXT,
  last_sync_at TEXT,
  last_push_at TEXT,
  last_pull_at TEXT,
  pending_changes TEXT NOT NULL DEFAULT '[]',
  conflict_log TEXT NOT NULL DEFAULT '[]',
  error_message TEXT,
  retry_count INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT,
  base_snapshot TEXT NOT NULL DEFAULT '{}',
  outbox TEXT NOT NULL DEFAULT '[]',
  version INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;

CREATE INDEX idx_crm_sync_status_retry ON lead_memory_crm_sync (status, retry_count) WHERE status IN ('error', 'pending');
CREATE INDEX idx_crm_sync_next_attempt ON lead_memory_crm_sync (next_attempt_at, lead_memory_id) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX idx_crm_sync_user ON lead_memory_crm_sync (user_id, provider);

-- Audit trail: the seed's crm_audit_log plus the hash chain. Append-only: the triggers refuse UPDATE and DELETE.
CREATE TABLE crm_audit_log (
  id TEXT NOT NULL PRIMARY KEY,
  user_id TEXT NOT NULL,
  lead_memory_id TEXT,
  operation TEXT NOT NULL,
  provider TEXT NOT NULL,
  success INTEGER NOT NULL DEFAULT 1,
  details TEXT NOT NULL DEFAULT '{}',
  error_message TEXT,
  created_at TEXT NOT NULL,
  sequence INTEGER NOT NULL CHECK (sequence >= 1),
  previous_hash TEXT,
  hash TEXT NOT NULL,
  UNIQUE (user_id, sequence)
) STRICT;

CREATE INDEX idx_crm_audit_lead ON crm_audit_log (lead_memory_id);
CREATE INDEX idx_crm_audit_time ON crm_audit_log (created_at DESC, sequence DESC);

CREATE TRIGGER crm_audit_log_no_update BEFORE UPDATE ON crm_audit_log
BEGIN
  SELECT RAISE(ABORT, 'crm_audit_log is append-only: UPDATE is not allowed');
END;

CREATE TRIGGER crm_audit_log_no_delete BEFORE DELETE ON crm_audit_log
BEGIN
  SELECT RAISE(ABORT, 'crm_audit_log is append-only: DELETE is not allowed');
END;

-- Change-stream checkpoints per connection and stream.
CREATE TABLE crm_sync_cursors (
  connection_key TEXT NOT NULL,
  stream TEXT NOT NULL,
  cursor_timestamp TEXT NOT NULL,
  cursor_last_id TEXT,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (connection_key, stream)
) STRICT, WITHOUT ROWID;

-- Leases with fencing tokens. A released lease keeps its row (owner NULL) so the next token is still larger.
CREATE TABLE crm_sync_leases (
  resource TEXT NOT NULL PRIMARY KEY,
  owner TEXT,
  token INTEGER NOT NULL,
  expires_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- Lead memories (lead_memories-compatible columns) and their events.
CREATE TABLE crm_sync_lead_memories (
  id TEXT NOT NULL PRIMARY KEY,
  user_id TEXT NOT NULL,
  company_name TEXT NOT NULL,
  crm_provider TEXT,
  crm_id TEXT,
  lifecycle_stage TEXT NOT NULL,
  status TEXT NOT NULL,
  expected_value TEXT,
  expected_close_date TEXT,
  health_score INTEGER,
  metadata TEXT NOT NULL DEFAULT '{}',
  first_touch_at TEXT,
  last_activity_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  version INTEGER NOT NULL DEFAULT 1
) STRICT;

CREATE INDEX idx_crm_sync_lead_memories_crm ON crm_sync_lead_memories (user_id, crm_provider, crm_id);

CREATE TABLE crm_sync_lead_events (
  id TEXT NOT NULL PRIMARY KEY,
  user_id TEXT NOT NULL,
  lead_memory_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  direction TEXT,
  subject TEXT,
  content TEXT,
  occurred_at TEXT NOT NULL,
  source TEXT,
  external_id TEXT,
  metadata TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL
) STRICT;

-- One event per (lead, source, external id); events ARIA created itself (source NULL) deduplicate among themselves.
CREATE UNIQUE INDEX ux_crm_sync_lead_events_external ON crm_sync_lead_events (lead_memory_id, coalesce(source, ''), external_id) WHERE external_id IS NOT NULL;
CREATE INDEX idx_crm_sync_lead_events_lead ON crm_sync_lead_events (lead_memory_id, occurred_at);
