-- The keys audit texts are sealed with (dev.modelapi.audit.AuditCipher), by id: never the key, only
-- a fixed text sealed with it, which the service opens at start-up to prove a configured key is the
-- one rows under that id were sealed with. A row here whose key is not configured stops the start.
CREATE TABLE audit_encryption_key (
    key_id      VARCHAR(32)              PRIMARY KEY,
    check_value VARCHAR                  NOT NULL,
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP
);
