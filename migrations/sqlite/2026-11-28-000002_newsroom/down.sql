DROP TABLE idempotency_keys;
DROP TABLE revisions;
DROP TABLE refresh_tokens;
DROP TABLE integrations;
DROP TABLE users;
