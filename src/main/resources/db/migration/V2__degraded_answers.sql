-- An ensemble answer given while some of its models failed: which ones, and why
-- ("name:version=reason", comma-separated). Rows written before this migration were never degraded.
ALTER TABLE prediction_audit ADD COLUMN degraded BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE prediction_audit ADD COLUMN failed_models VARCHAR;
