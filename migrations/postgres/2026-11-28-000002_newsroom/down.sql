DROP INDEX articles_status_created_idx;
ALTER TABLE articles DROP COLUMN created_by;
DROP INDEX idempotency_keys_created_at_idx;
DROP TABLE idempotency_keys;
DROP TABLE revisions;
DROP TABLE refresh_tokens;
DROP TABLE integrations;
DROP TABLE users;
