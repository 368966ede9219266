-- Aria.CrmSync PostgreSQL schema, version 2: the connection registry (ICrmConnectionRegistry), read by the sync
-- worker on every pass. Like crm_sync_leases it is the service's own table: row-level security lets only the
-- service role (or the table owner the library connects as) touch it. Idempotent, like version 1.
CREATE TABLE IF NOT EXISTS crm_sync_connections (
  user_id text NOT NULL,
  provider text NOT NULL,
  state text NOT NULL,
  pause_reason text,
  paused_until timestamptz,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (user_id, provider)
);
COMMENT ON TABLE crm_sync_connections IS 'The (user, CRM) connections the Aria.CrmSync worker syncs; tokens live elsewhere.';

ALTER TABLE crm_sync_connections ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS "Service can manage crm_sync_connections" ON crm_sync_connections;
CREATE POLICY "Service can manage crm_sync_connections" ON crm_sync_connections
    FOR ALL USING ((SELECT auth.role()) = 'service_role');

-- Grants as for crm_sync_leases: anon gets nothing, authenticated users may not write, the service role manages it.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN
    REVOKE ALL ON crm_sync_connections FROM anon;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
    REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON crm_sync_connections FROM authenticated;
  END IF;
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
    GRANT SELECT, INSERT, UPDATE, DELETE ON crm_sync_connections TO service_role;
  END IF;
END
$$;

INSERT INTO crm_sync_migrations (version, name) VALUES (2, '0002_connections') ON CONFLICT (version) DO NOTHING;
