-- Aria.CrmSync PostgreSQL schema, version 4: an anchor table only a separate role can write.
--
-- Applied by the library's migrator after 0003 (same transaction, advisory lock, search_path set to the schema), or by
-- hand (supabase db push). Every statement is idempotent.
--
-- crm_audit_anchors keeps audit chain anchors (IAuditAnchorSink, UsePostgreSqlAuditAnchorSink) out of the runtime
-- role's reach: crm_sync_grant_anchor_writer(role) (owner only) creates a NOLOGIN anchor-writer role if missing and
-- grants it SELECT and INSERT on this table only; crm_sync_grant_anchor_reader(role) grants the runtime role SELECT
-- only. No role but the owner can UPDATE, DELETE or TRUNCATE it, and triggers refuse those for the owner too.

CREATE TABLE IF NOT EXISTS crm_audit_anchors (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id text NOT NULL,
  sequence bigint NOT NULL CHECK (sequence >= 0),
  hash text,
  issued_at text NOT NULL,
  key_id text,
  signature text,
  timestamp_token text,
  written_at timestamptz NOT NULL DEFAULT now(),
  written_by name NOT NULL DEFAULT current_user
);
COMMENT ON TABLE crm_audit_anchors IS 'Audit chain anchors, append-only; written only by the anchor-writer role (crm_sync_grant_anchor_writer), read by the runtime role.';
COMMENT ON COLUMN crm_audit_anchors.issued_at IS 'UTC text yyyy-MM-ddTHH:mm:ss.fffffffZ, exact to the tick (the anchor''s signed text uses it).';
CREATE INDEX IF NOT EXISTS crm_audit_anchors_user ON crm_audit_anchors (user_id, id);
-- Nobody but the two roles below: Supabase grants new tables to anon, authenticated and service_role by default.
ALTER TABLE crm_audit_anchors ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON crm_audit_anchors FROM PUBLIC;
DO $$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['anon', 'authenticated', 'service_role'] LOOP
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
      EXECUTE format('REVOKE ALL ON crm_audit_anchors FROM %I', r);
    END IF;
  END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION crm_audit_anchors_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'crm_audit_anchors is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege', HINT = 'Anchors are never changed or removed.';
END
$$;

CREATE OR REPLACE TRIGGER crm_audit_anchors_append_only
BEFORE UPDATE OR DELETE ON crm_audit_anchors
FOR EACH ROW EXECUTE FUNCTION crm_audit_anchors_append_only();

CREATE OR REPLACE TRIGGER crm_audit_anchors_no_truncate
BEFORE TRUNCATE ON crm_audit_anchors
FOR EACH STATEMENT EXECUTE FUNCTION crm_audit_anchors_append_only();

DO $$
BEGIN
  EXECUTE format($f$
    CREATE OR REPLACE FUNCTION %1$I.crm_sync_grant_anchor_writer(writer_role text) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $body$
    DECLARE
      s constant text := %1$L;
    BEGIN
      IF writer_role IS NULL OR writer_role !~ '^[A-Za-z_][A-Za-z0-9_]{0,49}$' THEN
        RAISE EXCEPTION 'Aria.CrmSync: anchor writer role %% must be a plain identifier of at most 50 characters', writer_role;
      END IF;
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = writer_role) THEN
        EXECUTE format('CREATE ROLE %%I NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS', writer_role);
      END IF;
      IF EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = s AND tablename = 'crm_audit_anchors' AND tableowner = writer_role) THEN
        RAISE EXCEPTION 'Aria.CrmSync: anchor writer role %% owns the tables; use a separate role', writer_role;
      END IF;
      EXECUTE format('GRANT USAGE ON SCHEMA %%I TO %%I', s, writer_role);
      EXECUTE format('REVOKE ALL ON %%I.crm_audit_anchors FROM %%I', s, writer_role);
      EXECUTE format('GRANT SELECT, INSERT ON %%I.crm_audit_anchors TO %%I', s, writer_role);
      EXECUTE format('DROP POLICY IF EXISTS %%I ON %%I.crm_audit_anchors', 'Anchor writer reads ' || writer_role, s);
      EXECUTE format('CREATE POLICY %%I ON %%I.crm_audit_anchors FOR SELECT TO %%I USING (true)', 'Anchor writer reads ' || writer_role, s, writer_role);
      EXECUTE format('DROP POLICY IF EXISTS %%I ON %%I.crm_audit_anchors', 'Anchor writer appends ' || writer_role, s);
      EXECUTE format('CREATE POLICY %%I ON %%I.crm_audit_anchors FOR INSERT TO %%I WITH CHECK (true)', 'Anchor writer appends ' || writer_role, s, writer_role);
    END
    $body$
  $f$, current_schema());

  EXECUTE format($f$
    CREATE OR REPLACE FUNCTION %1$I.crm_sync_grant_anchor_reader(runtime_role text) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $body$
    DECLARE
      s constant text := %1$L;
    BEGIN
      IF runtime_role IS NULL OR runtime_role !~ '^[A-Za-z_][A-Za-z0-9_]{0,49}$' THEN
        RAISE EXCEPTION 'Aria.CrmSync: runtime role %% must be a plain identifier of at most 50 characters', runtime_role;
      END IF;
      EXECUTE format('REVOKE ALL ON %%I.crm_audit_anchors FROM %%I', s, runtime_role);
      EXECUTE format('GRANT SELECT ON %%I.crm_audit_anchors TO %%I', s, runtime_role);
      EXECUTE format('DROP POLICY IF EXISTS %%I ON %%I.crm_audit_anchors', 'Runtime reads ' || runtime_role, s);
      EXECUTE format('CREATE POLICY %%I ON %%I.crm_audit_anchors FOR SELECT TO %%I USING (true)', 'Runtime reads ' || runtime_role, s, runtime_role);
    END
    $body$
  $f$, current_schema());
END
$$;
REVOKE ALL ON FUNCTION crm_sync_grant_anchor_writer(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION crm_sync_grant_anchor_reader(text) FROM PUBLIC;
COMMENT ON FUNCTION crm_sync_grant_anchor_writer(text) IS 'Owner only: creates (if missing) and grants the anchor-writer role: SELECT, INSERT on crm_audit_anchors, nothing else.';
COMMENT ON FUNCTION crm_sync_grant_anchor_reader(text) IS 'Owner only: grants the runtime role SELECT (only) on crm_audit_anchors.';

INSERT INTO crm_sync_migrations (version, name) VALUES (4, '0004_audit_anchors') ON CONFLICT (version) DO NOTHING;
