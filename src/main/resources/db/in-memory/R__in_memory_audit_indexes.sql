-- Only in the default run's in-memory database (AuditConfiguration adds this location for it):
-- it keeps at most modelapi.audit.in-memory-max-rows rows (1,000 by default), which the audit API's queries
-- scan instead, while every insert and trim would update these two indexes.
-- Without them each young GC pause under a steady write load was 0.73x as long (docs/performance.md).
-- The unique constraints stay: ON CONFLICT DO NOTHING needs them.
DROP INDEX IF EXISTS ix_prediction_audit_created_at;
DROP INDEX IF EXISTS ix_prediction_audit_principal_created;
