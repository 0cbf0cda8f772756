-- Compliance fields of an audit row:
--   idempotency_key  the client's Idempotency-Key: a retried request with the same key and item
--                    adds no second row (NULLs never conflict, so rows without a key are unaffected)
--   flags            malicious-input flags raised on the text (invisible, bidi_control, ...), comma-separated
--   pii              kinds of personal data found in the text (email, phone, ...), comma-separated
--   input_text       the text, only when modelapi.audit.text-storage is redacted or raw (default: hash only)
ALTER TABLE prediction_audit ADD COLUMN idempotency_key VARCHAR(128);
ALTER TABLE prediction_audit ADD CONSTRAINT uq_prediction_audit_idempotency UNIQUE (idempotency_key, item_index);
ALTER TABLE prediction_audit ADD COLUMN flags VARCHAR;
ALTER TABLE prediction_audit ADD COLUMN pii VARCHAR;
ALTER TABLE prediction_audit ADD COLUMN input_text VARCHAR;

-- Reports filter by model, label, principal and channel within a time window.
CREATE INDEX ix_prediction_audit_principal_created ON prediction_audit (principal, created_at);

-- Rows past the retention period, when modelapi.audit.retention.action is archive.
CREATE TABLE prediction_audit_archive (
    id              BIGINT                   PRIMARY KEY,
    request_id      VARCHAR(128)             NOT NULL,
    item_index      INTEGER                  NOT NULL,
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    channel         VARCHAR(32),
    principal       VARCHAR,
    models          VARCHAR,
    input_sha256    CHAR(64),
    input_length    INTEGER                  NOT NULL,
    label           VARCHAR,
    score           DOUBLE PRECISION         NOT NULL,
    cached          BOOLEAN                  NOT NULL,
    batch_size      INTEGER                  NOT NULL,
    latency_ms      BIGINT                   NOT NULL,
    degraded        BOOLEAN                  NOT NULL,
    failed_models   VARCHAR,
    idempotency_key VARCHAR(128),
    flags           VARCHAR,
    pii             VARCHAR,
    input_text      VARCHAR,
    archived_at     TIMESTAMP WITH TIME ZONE NOT NULL
);
