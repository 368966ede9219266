-- Aria.CrmSync PostgreSQL schema, version 1.
--
-- Applied by the library's migrator (PostgreSqlStoreOptions.RunMigrationsOnStart), which runs it in one transaction
-- under an advisory lock with search_path set to the configured schema, and records it in crm_sync_migrations.
-- It is also a plain Supabase migration: copy it to supabase/migrations/<timestamp>_aria_crmsync_0001_initial.sql and
-- run `supabase db push`; it then lands in the default schema (public) and records itself, so the library's migrator
-- sees it as applied. Every statement is idempotent, so applying it both ways is harmless.
--
-- Compatible with the seed plan's migrations (Task 4 crm_audit_log, Task 6 retry_count) with these differences:
--   * ids and user ids are text (the library's ids are strings; Supabase auth ids fit as their text form), so there is
--     no foreign key to auth.users; row-level security compares user_id with auth.uid()::text instead.
--   * crm_audit_log has no foreign key to lead_memories with ON DELETE CASCADE: the audit trail is append-only and must
--     outlive the leads it mentions (a cascade would either delete audit rows or make deleting a lead fail).

-- 1. auth compatibility layer -----------------------------------------------------------------------------------------
-- On Supabase, auth.uid() and auth.role() exist and are left alone. On plain PostgreSQL the same functions are created,
-- reading the JWT claims the way Supabase/PostgREST set them (request.jwt.claim.sub / .role, or request.jwt.claims).
DO $$
BEGIN
  IF to_regnamespace('auth') IS NULL THEN
    CREATE SCHEMA auth;
    GRANT USAGE ON SCHEMA auth TO PUBLIC;
  END IF;

  IF to_regprocedure('auth.uid()') IS NULL THEN
    CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $f$
      SELECT coalesce(
        nullif(current_setting('request.jwt.claim.sub', true), ''),
        (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
      )::uuid
    $f$;
    COMMENT ON FUNCTION auth.uid() IS 'Aria.CrmSync compatibility shim for Supabase auth.uid(): the JWT subject.';
  END IF;

  IF to_regprocedure('auth.role()') IS NULL THEN
    CREATE FUNCTION auth.role() RETURNS text LANGUAGE sql STABLE AS $f$
      SELECT coalesce(
        nullif(current_setting('request.jwt.claim.role', true), ''),
        (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
      )::text
    $f$;
    COMMENT ON FUNCTION auth.role() IS 'Aria.CrmSync compatibility shim for Supabase auth.role(): the JWT role claim.';
  END IF;
END
$$;

-- 2. Migration bookkeeping --------------------------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS crm_sync_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);

-- An existing seed-era table with uuid keys cannot be shared with the library: say so instead of failing later.
DO $$
BEGIN
  IF EXISTS (
    SELECT 1 FROM information_schema.columns
    WHERE table_schema = current_schema()
      AND table_name IN ('lead_memory_crm_sync', 'crm_audit_log')
      AND column_name IN ('id', 'lead_memory_id', 'user_id')
      AND data_type <> 'text'
  ) THEN
    RAISE EXCEPTION 'Aria.CrmSync: schema % already has lead_memory_crm_sync or crm_audit_log with non-text keys; install the library in its own schema (PostgreSqlStoreOptions.Schema) or convert those columns to text', current_schema();
  END IF;
END
$$;

-- 3. Sync state: the seed's lead_memory_crm_sync (incl. Task 6's retry_count), extended -----------------------------
CREATE TABLE IF NOT EXISTS lead_memory_crm_sync (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  lead_memory_id text NOT NULL UNIQUE,
  status text NOT NULL,
  sync_direction text,
  last_sync_at timestamptz,
  last_push_at timestamptz,
  last_pull_at timestamptz,
  pending_changes jsonb NOT NULL DEFAULT '[]',
  conflict_log jsonb NOT NULL DEFAULT '[]',
  error_message text,
  retry_count int NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- engine extensions
  user_id text,
  provider text,
  crm_id text,
  next_attempt_at timestamptz,
  base_snapshot jsonb NOT NULL DEFAULT '{}',
  outbox jsonb NOT NULL DEFAULT '[]',
  version bigint NOT NULL DEFAULT 1
);

-- Seed Task 6: finding failed syncs needing retry.
CREATE INDEX IF NOT EXISTS idx_crm_sync_status_retry
ON lead_memory_crm_sync(status, retry_count)
WHERE status IN ('error', 'pending');

CREATE INDEX IF NOT EXISTS idx_crm_sync_next_attempt ON lead_memory_crm_sync(next_attempt_at, lead_memory_id) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_crm_sync_user_provider ON lead_memory_crm_sync(user_id, provider);

COMMENT ON COLUMN lead_memory_crm_sync.retry_count IS 'Number of retry attempts after sync failure. Max 5.';
COMMENT ON TABLE lead_memory_crm_sync IS 'CRM sync state per lead memory (Aria.CrmSync): status, pending changes, conflicts, base snapshot and outbox.';
COMMENT ON COLUMN lead_memory_crm_sync.version IS 'Optimistic-concurrency version: every write checks and increments it.';
COMMENT ON COLUMN lead_memory_crm_sync.base_snapshot IS 'Field values both sides agreed on at the last sync (three-way merge base).';
COMMENT ON COLUMN lead_memory_crm_sync.outbox IS 'Outbound CRM writes recorded before they are sent (idempotency keys).';
COMMENT ON COLUMN lead_memory_crm_sync.next_attempt_at IS 'When the next automatic attempt is due; NULL when none is scheduled.';

-- 4. Audit trail: the seed's crm_audit_log, hash-chained per user and append-only -------------------------------------
CREATE TABLE IF NOT EXISTS crm_audit_log (
  id text PRIMARY KEY DEFAULT gen_random_uuid()::text,
  user_id text NOT NULL,
  lead_memory_id text,
  operation text NOT NULL,  -- push, pull, conflict_detected, conflict_resolved, error, retry
  provider text NOT NULL,   -- salesforce, hubspot
  success boolean NOT NULL DEFAULT true,
  details jsonb NOT NULL DEFAULT '{}',
  error_message text,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- hash chain
  sequence bigint NOT NULL CHECK (sequence >= 1),
  previous_hash text,
  hash text NOT NULL,
  CONSTRAINT crm_audit_log_user_sequence_key UNIQUE (user_id, sequence)
);

-- Indexes for common queries (seed Task 4).
CREATE INDEX IF NOT EXISTS idx_crm_audit_user ON crm_audit_log(user_id);
CREATE INDEX IF NOT EXISTS idx_crm_audit_lead ON crm_audit_log(lead_memory_id);
CREATE INDEX IF NOT EXISTS idx_crm_audit_operation ON crm_audit_log(operation);
CREATE INDEX IF NOT EXISTS idx_crm_audit_provider ON crm_audit_log(provider);
CREATE INDEX IF NOT EXISTS idx_crm_audit_time ON crm_audit_log(created_at DESC);
CREATE INDEX IF NOT EXISTS idx_crm_audit_user_lead ON crm_audit_log(user_id, lead_memory_id);

-- Comments for documentation (seed Task 4, plus the chain columns).
COMMENT ON TABLE crm_audit_log IS 'Immutable audit trail for all CRM synchronization operations.';
COMMENT ON COLUMN crm_audit_log.operation IS 'push (ARIA→CRM), pull (CRM→ARIA), conflict_detected, conflict_resolved, error, retry.';
COMMENT ON COLUMN crm_audit_log.provider IS 'CRM provider: salesforce or hubspot.';
COMMENT ON COLUMN crm_audit_log.details IS 'Operation-specific details: fields synced, conflict resolution, etc.';
COMMENT ON COLUMN crm_audit_log.sequence IS 'Position in the user''s hash chain: 1, 2, 3… without gaps.';
COMMENT ON COLUMN crm_audit_log.previous_hash IS 'Hash of the previous entry of the user''s chain; NULL for the first.';
COMMENT ON COLUMN crm_audit_log.hash IS 'SHA-256 (hex) over the entry''s canonical encoding and previous_hash.';

-- Append-only, enforced by the database: UPDATE, DELETE and TRUNCATE raise, whoever runs them.
CREATE OR REPLACE FUNCTION crm_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'crm_audit_log is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege', HINT = 'Audit entries are never changed or removed; chain verification detects tampering.';
END
$$;

CREATE OR REPLACE TRIGGER crm_audit_log_append_only
BEFORE UPDATE OR DELETE ON crm_audit_log
FOR EACH ROW EXECUTE FUNCTION crm_audit_log_append_only();

CREATE OR REPLACE TRIGGER crm_audit_log_no_truncate
BEFORE TRUNCATE ON crm_audit_log
FOR EACH STATEMENT EXECUTE FUNCTION crm_audit_log_append_only();

-- 5. Cursors, leases, lead memories, lead events ----------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS crm_sync_cursors (
  connection_key text NOT NULL,
  stream text NOT NULL,
  cursor_timestamp timestamptz NOT NULL,
  cursor_last_id text,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (connection_key, stream)
);

CREATE TABLE IF NOT EXISTS crm_sync_leases (
  resource text PRIMARY KEY,
  owner text,
  token bigint NOT NULL,
  expires_at timestamptz NOT NULL
);
COMMENT ON TABLE crm_sync_leases IS 'Work claims with fencing tokens; a released lease keeps its row (owner NULL) so tokens keep growing.';

CREATE TABLE IF NOT EXISTS crm_sync_lead_memories (
  id text PRIMARY KEY,
  user_id text NOT NULL,
  company_name text NOT NULL,
  crm_provider text,
  crm_id text,
  lifecycle_stage text NOT NULL DEFAULT 'lead',
  status text NOT NULL DEFAULT 'active',
  expected_value numeric,
  expected_close_date date,
  health_score integer,
  metadata jsonb NOT NULL DEFAULT '{}',
  first_touch_at timestamptz,
  last_activity_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  version bigint NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS idx_crm_sync_lead_memories_crm ON crm_sync_lead_memories(user_id, crm_provider, crm_id);
COMMENT ON TABLE crm_sync_lead_memories IS 'Lead memories for hosts without their own lead_memories table (columns compatible with it).';

CREATE TABLE IF NOT EXISTS crm_sync_lead_events (
  id text PRIMARY KEY,
  user_id text NOT NULL,
  lead_memory_id text NOT NULL,
  event_type text NOT NULL,
  direction text,
  subject text,
  content text,
  occurred_at timestamptz NOT NULL,
  source text,
  external_id text,
  metadata jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now()
);
-- One event per (lead, source, external id); events ARIA created itself (source NULL) deduplicate among themselves.
CREATE UNIQUE INDEX IF NOT EXISTS ux_crm_sync_lead_events_external ON crm_sync_lead_events(lead_memory_id, coalesce(source, ''), external_id) WHERE external_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS idx_crm_sync_lead_events_lead ON crm_sync_lead_events(lead_memory_id, occurred_at);

-- 6. Row-level security (seed Task 4): users read their own rows; the service role manages everything ----------------
-- The library itself connects as the tables' owner (not subject to RLS unless FORCE ROW LEVEL SECURITY is set).
ALTER TABLE crm_audit_log ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS "Users can view own audit logs" ON crm_audit_log;
CREATE POLICY "Users can view own audit logs" ON crm_audit_log
    FOR SELECT USING (user_id = (SELECT auth.uid())::text);
DROP POLICY IF EXISTS "Service can manage crm_audit_log" ON crm_audit_log;
CREATE POLICY "Service can manage crm_audit_log" ON crm_audit_log
    FOR ALL USING ((SELECT auth.role()) = 'service_role');

ALTER TABLE lead_memory_crm_sync ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS "Users can view own crm sync state" ON lead_memory_crm_sync;
CREATE POLICY "Users can view own crm sync state" ON lead_memory_crm_sync
    FOR SELECT USING (user_id = (SELECT auth.uid())::text);
DROP POLICY IF EXISTS "Service can manage lead_memory_crm_sync" ON lead_memory_crm_sync;
CREATE POLICY "Service can manage lead_memory_crm_sync" ON lead_memory_crm_sync
    FOR ALL USING ((SELECT auth.role()) = 'service_role');

ALTER TABLE crm_sync_lead_memories ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS "Users can view own lead memories" ON crm_sync_lead_memories;
CREATE POLICY "Users can view own lead memories" ON crm_sync_lead_memories
    FOR SELECT USING (user_id = (SELECT auth.uid())::text);
DROP POLICY IF EXISTS "Service can manage crm_sync_lead_memories" ON crm_sync_lead_memories;
CREATE POLICY "Service can manage crm_sync_lead_memories" ON crm_sync_lead_memories
    FOR ALL USING ((SELECT auth.role()) = 'service_role');

ALTER TABLE crm_sync_lead_events ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS "Users can view own lead events" ON crm_sync_lead_events;
CREATE POLICY "Users can view own lead events" ON crm_sync_lead_events
    FOR SELECT USING (user_id = (SELECT auth.uid())::text);
DROP POLICY IF EXISTS "Service can manage crm_sync_lead_events" ON crm_sync_lead_events;
CREATE POLICY "Service can manage crm_sync_lead_events" ON crm_sync_lead_events
    FOR ALL USING ((SELECT auth.role()) = 'service_role');

ALTER TABLE crm_sync_cursors ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS "Service can manage crm_sync_cursors" ON crm_sync_cursors;
CREATE POLICY "Service can manage crm_sync_cursors" ON crm_sync_cursors
    FOR ALL USING ((SELECT auth.role()) = 'service_role');

ALTER TABLE crm_sync_leases ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS "Service can manage crm_sync_leases" ON crm_sync_leases;
CREATE POLICY "Service can manage crm_sync_leases" ON crm_sync_leases
    FOR ALL USING ((SELECT auth.role()) = 'service_role');

ALTER TABLE crm_sync_migrations ENABLE ROW LEVEL SECURITY;

-- 7. Privileges ------------------------------------------------------------------------------------------------------
-- Nobody may change or remove audit rows. Supabase grants every new table in public to anon, authenticated and
-- service_role: take back what they must not have (anon: everything; authenticated: writes; all: audit UPDATE/DELETE).
REVOKE UPDATE, DELETE, TRUNCATE ON crm_audit_log FROM PUBLIC;
DO $$
DECLARE
  r text;
  t text;
BEGIN
  FOREACH r IN ARRAY ARRAY['anon', 'authenticated', 'service_role'] LOOP
    CONTINUE WHEN NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r);
    FOREACH t IN ARRAY ARRAY['lead_memory_crm_sync', 'crm_audit_log', 'crm_sync_cursors', 'crm_sync_leases', 'crm_sync_lead_memories', 'crm_sync_lead_events', 'crm_sync_migrations'] LOOP
      IF r = 'anon' THEN
        EXECUTE format('REVOKE ALL ON %I FROM %I', t, r);
      ELSIF r = 'authenticated' THEN
        EXECUTE format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON %I FROM %I', t, r);
      END IF;
    END LOOP;
    EXECUTE format('REVOKE UPDATE, DELETE, TRUNCATE ON crm_audit_log FROM %I', r);
    IF r = 'authenticated' THEN
      EXECUTE format('GRANT SELECT ON crm_audit_log, lead_memory_crm_sync, crm_sync_lead_memories, crm_sync_lead_events TO %I', r);
    ELSIF r = 'service_role' THEN
      EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', current_schema(), r);
      EXECUTE format('GRANT SELECT ON crm_sync_migrations TO %I', r);
      EXECUTE format('GRANT SELECT, INSERT ON crm_audit_log TO %I', r);
      EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON lead_memory_crm_sync, crm_sync_cursors, crm_sync_leases, crm_sync_lead_memories, crm_sync_lead_events TO %I', r);
    END IF;
  END LOOP;
END
$$;

INSERT INTO crm_sync_migrations (version, name) VALUES (1, '0001_initial') ON CONFLICT (version) DO NOTHING;
