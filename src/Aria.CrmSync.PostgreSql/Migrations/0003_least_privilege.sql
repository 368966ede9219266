-- Aria.CrmSync PostgreSQL schema, version 3: least privilege and tenant isolation that trusts no settable setting.
--
-- Applied by the library's migrator after 0001 and 0002 (same transaction, advisory lock, search_path set to the schema), or by
-- hand after 0002 (supabase db push). Every statement is idempotent.
--
-- 1. Who a request is. Version 1 let row-level security compare user_id with auth.uid(), which on plain PostgreSQL
--    reads request.jwt.claims: a setting ANY role can set to any user id (or to role = service_role). Now:
--    * crm_sync_role_users maps a database role to a user id; only the owner writes it (a role reads its own row).
--      Hosts that run per-request "SET ROLE <user role>" bind each role once; nothing a session sets can change it.
--    * JWT claims are trusted only where auth.uid() is Supabase's own (its API gateway verifies the JWT before
--      PostgREST sets the claims). Where auth.uid() is the library's shim (plain PostgreSQL), claims are ignored.
--    * The service policies no longer trust the role claim: they apply TO service_role (the role PostgREST switches to).
-- 2. Least privilege. crm_sync_grant_runtime(role) (owner only) creates a NOLOGIN runtime role if missing and grants it
--    exactly what the stores need: SELECT and INSERT on crm_audit_log (no UPDATE, DELETE, TRUNCATE; as a non-owner it
--    cannot disable or drop triggers), read/write on the other tables, read on crm_sync_migrations. The migrator calls
--    it when PostgreSqlStoreOptions.RuntimeRole is set; by hand: SELECT crm_sync_grant_runtime('aria_crmsync_runtime');

CREATE TABLE IF NOT EXISTS crm_sync_role_users (
  role_name name PRIMARY KEY,
  user_id text NOT NULL
);
COMMENT ON TABLE crm_sync_role_users IS 'Database role -> ARIA user id, for row-level security on plain PostgreSQL (SET ROLE per request). Written by the owner only.';
ALTER TABLE crm_sync_role_users ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON crm_sync_role_users FROM PUBLIC;
GRANT SELECT ON crm_sync_role_users TO PUBLIC;
DROP POLICY IF EXISTS "A role reads its own binding" ON crm_sync_role_users;
CREATE POLICY "A role reads its own binding" ON crm_sync_role_users FOR SELECT USING (role_name = current_user);

CREATE TABLE IF NOT EXISTS crm_sync_settings (
  key text PRIMARY KEY,
  value text NOT NULL
);
COMMENT ON TABLE crm_sync_settings IS 'Aria.CrmSync settings that only the owner may change (trust_jwt_claims).';
ALTER TABLE crm_sync_settings ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON crm_sync_settings FROM PUBLIC;
GRANT SELECT ON crm_sync_settings TO PUBLIC;
DROP POLICY IF EXISTS "Settings are readable" ON crm_sync_settings;
CREATE POLICY "Settings are readable" ON crm_sync_settings FOR SELECT USING (true);

INSERT INTO crm_sync_settings (key, value)
SELECT 'trust_jwt_claims',
       CASE WHEN coalesce(obj_description('auth.uid()'::regprocedure, 'pg_proc'), '') LIKE 'Aria.CrmSync compatibility shim%' THEN 'false' ELSE 'true' END
ON CONFLICT (key) DO NOTHING;

-- The request's user: the role's binding, else (Supabase only) the verified JWT subject. Tables are schema-qualified
-- and the search_path is pinned, so neither a temporary table nor a session's search_path can stand in for them.
DO $$
BEGIN
  EXECUTE format($f$
    CREATE OR REPLACE FUNCTION %1$I.crm_sync_request_user() RETURNS text
    LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $body$
      SELECT coalesce(
        (SELECT m.user_id FROM %1$I.crm_sync_role_users AS m WHERE m.role_name = current_user),
        CASE WHEN (SELECT s.value FROM %1$I.crm_sync_settings AS s WHERE s.key = 'trust_jwt_claims') = 'true'
             THEN (SELECT auth.uid())::text END)
    $body$
  $f$, current_schema());
END
$$;
COMMENT ON FUNCTION crm_sync_request_user() IS 'The ARIA user of the current request for row-level security: crm_sync_role_users, else (Supabase) auth.uid().';

DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['crm_audit_log', 'lead_memory_crm_sync', 'crm_sync_lead_memories', 'crm_sync_lead_events'] LOOP
    EXECUTE format('DROP POLICY IF EXISTS %I ON %I', CASE t
      WHEN 'crm_audit_log' THEN 'Users can view own audit logs'
      WHEN 'lead_memory_crm_sync' THEN 'Users can view own crm sync state'
      WHEN 'crm_sync_lead_memories' THEN 'Users can view own lead memories'
      ELSE 'Users can view own lead events' END, t);
    EXECUTE format('DROP POLICY IF EXISTS %I ON %I', 'Users read own rows', t);
    EXECUTE format('CREATE POLICY %I ON %I FOR SELECT USING (user_id = crm_sync_request_user())', 'Users read own rows', t);
  END LOOP;

  FOREACH t IN ARRAY ARRAY['crm_audit_log', 'lead_memory_crm_sync', 'crm_sync_lead_memories', 'crm_sync_lead_events', 'crm_sync_cursors', 'crm_sync_leases', 'crm_sync_connections'] LOOP
    EXECUTE format('DROP POLICY IF EXISTS %I ON %I', 'Service can manage ' || t, t);
    EXECUTE format('DROP POLICY IF EXISTS %I ON %I', 'Service role manages', t);
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
      IF t = 'crm_audit_log' THEN
        EXECUTE format('CREATE POLICY %I ON %I FOR SELECT TO service_role USING (true)', 'Service role manages', t);
        EXECUTE format('DROP POLICY IF EXISTS %I ON %I', 'Service role appends', t);
        EXECUTE format('CREATE POLICY %I ON %I FOR INSERT TO service_role WITH CHECK (true)', 'Service role appends', t);
      ELSE
        EXECUTE format('CREATE POLICY %I ON %I FOR ALL TO service_role USING (true) WITH CHECK (true)', 'Service role manages', t);
      END IF;
    END IF;
  END LOOP;
END
$$;

-- The runtime role: what the stores need, nothing more.
DO $$
BEGIN
  EXECUTE format($f$
    CREATE OR REPLACE FUNCTION %1$I.crm_sync_grant_runtime(runtime_role text) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $body$
    DECLARE
      s constant text := %1$L;
      t text;
    BEGIN
      IF runtime_role IS NULL OR runtime_role !~ '^[A-Za-z_][A-Za-z0-9_]{0,49}$' THEN
        RAISE EXCEPTION 'Aria.CrmSync: runtime role %% must be a plain identifier of at most 50 characters', runtime_role;
      END IF;
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = runtime_role) THEN
        EXECUTE format('CREATE ROLE %%I NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS', runtime_role);
      END IF;
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = runtime_role AND (rolsuper OR rolbypassrls)) THEN
        RAISE EXCEPTION 'Aria.CrmSync: runtime role %% is a superuser or bypasses row-level security', runtime_role;
      END IF;
      IF EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = s AND tablename = 'crm_audit_log' AND tableowner = runtime_role) THEN
        RAISE EXCEPTION 'Aria.CrmSync: runtime role %% owns the tables; use a separate role', runtime_role;
      END IF;

      EXECUTE format('GRANT USAGE ON SCHEMA %%I TO %%I', s, runtime_role);
      EXECUTE format('REVOKE ALL ON %%I.crm_audit_log FROM %%I', s, runtime_role);
      EXECUTE format('GRANT SELECT, INSERT ON %%I.crm_audit_log TO %%I', s, runtime_role);
      EXECUTE format('GRANT SELECT ON %%I.crm_sync_migrations TO %%I', s, runtime_role);
      FOREACH t IN ARRAY ARRAY['lead_memory_crm_sync', 'crm_sync_cursors', 'crm_sync_leases', 'crm_sync_lead_memories', 'crm_sync_lead_events', 'crm_sync_connections'] LOOP
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %%I.%%I TO %%I', s, t, runtime_role);
        EXECUTE format('DROP POLICY IF EXISTS %%I ON %%I.%%I', 'Runtime ' || runtime_role, s, t);
        EXECUTE format('CREATE POLICY %%I ON %%I.%%I FOR ALL TO %%I USING (true) WITH CHECK (true)', 'Runtime ' || runtime_role, s, t, runtime_role);
      END LOOP;
      EXECUTE format('DROP POLICY IF EXISTS %%I ON %%I.crm_audit_log', 'Runtime ' || runtime_role, s);
      EXECUTE format('CREATE POLICY %%I ON %%I.crm_audit_log FOR SELECT TO %%I USING (true)', 'Runtime ' || runtime_role, s, runtime_role);
      EXECUTE format('DROP POLICY IF EXISTS %%I ON %%I.crm_audit_log', 'Runtime appends ' || runtime_role, s);
      EXECUTE format('CREATE POLICY %%I ON %%I.crm_audit_log FOR INSERT TO %%I WITH CHECK (true)', 'Runtime appends ' || runtime_role, s, runtime_role);
      EXECUTE format('DROP POLICY IF EXISTS %%I ON %%I.crm_sync_migrations', 'Runtime ' || runtime_role, s);
      EXECUTE format('CREATE POLICY %%I ON %%I.crm_sync_migrations FOR SELECT TO %%I USING (true)', 'Runtime ' || runtime_role, s, runtime_role);
    END
    $body$
  $f$, current_schema());
END
$$;
REVOKE ALL ON FUNCTION crm_sync_grant_runtime(text) FROM PUBLIC;
COMMENT ON FUNCTION crm_sync_grant_runtime(text) IS 'Owner only: creates (if missing) and grants the Aria.CrmSync runtime role: SELECT, INSERT on crm_audit_log; no UPDATE, DELETE, TRUNCATE; not the owner.';

INSERT INTO crm_sync_migrations (version, name) VALUES (3, '0003_least_privilege') ON CONFLICT (version) DO NOTHING;
