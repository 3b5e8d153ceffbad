-- People, newsroom tools, tokens, revisions and idempotent requests.
CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,
    email         TEXT NOT NULL CONSTRAINT users_email_key UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'author', 'contributor')),
    password_hash TEXT NOT NULL,
    author_id     TEXT REFERENCES authors (id) ON DELETE SET NULL,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX users_author_id_idx ON users (author_id);

-- Newsroom tools: a client id and a hashed secret, with a role.
CREATE TABLE integrations (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'author', 'contributor')),
    client_id   TEXT NOT NULL CONSTRAINT integrations_client_id_key UNIQUE,
    secret_hash TEXT NOT NULL,
    revoked_at  TIMESTAMP,
    created_at  TIMESTAMP NOT NULL
);

-- Refresh tokens, stored as hashes. Each use rotates the token within its
-- family; presenting a used one again revokes the whole family.
CREATE TABLE refresh_tokens (
    id         TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id  TEXT NOT NULL,
    token_hash TEXT NOT NULL CONSTRAINT refresh_tokens_token_hash_key UNIQUE,
    expires_at TIMESTAMP NOT NULL,
    used_at    TIMESTAMP,
    revoked_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX refresh_tokens_family_id_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_id_idx ON refresh_tokens (user_id);

-- Who changed what in an article, one row per change that altered it.
CREATE TABLE revisions (
    id         TEXT PRIMARY KEY NOT NULL,
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    actor      TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    changes    TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    CONSTRAINT revisions_article_version_key UNIQUE (article_id, version)
);

-- The first answer to each (caller, Idempotency-Key), replayed on retries.
CREATE TABLE idempotency_keys (
    principal    TEXT NOT NULL,
    idem_key     TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL,
    body         TEXT NOT NULL,
    location     TEXT,
    etag         TEXT,
    created_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (principal, idem_key)
);
CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);
ALTER TABLE articles ADD COLUMN created_by TEXT;
CREATE INDEX articles_status_created_idx ON articles (status, created_at, id);
