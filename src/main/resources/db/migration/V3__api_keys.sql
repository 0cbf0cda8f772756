-- API keys kept in the database, next to those in configuration: the SHA-256 of the key, never
-- the key. Roles and models are comma-separated (roles: predict, admin, auditor; models: names or *).
-- Rotation: insert the new key, hand it out, then set the old one's enabled to false.
CREATE TABLE api_keys (
    name                VARCHAR(128)             PRIMARY KEY,
    key_sha256          CHAR(64)                 NOT NULL UNIQUE,
    roles               VARCHAR                  NOT NULL,
    models              VARCHAR                  NOT NULL DEFAULT '*',
    requests_per_second DOUBLE PRECISION         NOT NULL DEFAULT 0,
    enabled             BOOLEAN                  NOT NULL DEFAULT TRUE,
    created_at          TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT CURRENT_TIMESTAMP
);
