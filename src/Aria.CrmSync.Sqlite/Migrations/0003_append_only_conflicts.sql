-- Aria.CrmSync SQLite schema, version 3: no conflict clause can rewrite an audit row.
-- INSERT OR REPLACE (or REPLACE INTO) on an existing id or (user_id, sequence) deletes the old row without firing the
-- DELETE trigger (SQLite fires delete triggers for REPLACE only with recursive_triggers on): the insert is refused
-- before that can happen. UPDATE OR REPLACE is already refused by the UPDATE trigger.
-- Whoever can write the database file can still drop these triggers or rewrite the file: that is what the chain's
-- verification and anchors kept outside the file (docs/security.md) defend against.
CREATE TRIGGER IF NOT EXISTS crm_audit_log_no_replace BEFORE INSERT ON crm_audit_log
WHEN EXISTS (SELECT 1 FROM crm_audit_log WHERE id = NEW.id OR (user_id = NEW.user_id AND sequence = NEW.sequence))
BEGIN
  SELECT RAISE(ABORT, 'crm_audit_log is append-only: an entry with this id or sequence already exists');
END;
