-- The story lifecycle beyond drafts: languages, translations, embargoes
-- and withdrawals, and the read-only `partner` role for integrations.
-- SQLite cannot change a column's CHECK constraint, so `articles` (whose
-- status may now be `withdrawn`) and `integrations` (whose role may now be
-- `partner`) are rebuilt, as in 2026-11-29-000005: bodies stay last, and
-- the indexes and generation triggers come back with the table.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE articles_lifecycle (
    id                   TEXT PRIMARY KEY NOT NULL,
    slug                 TEXT NOT NULL CONSTRAINT articles_slug_key UNIQUE,
    headline             TEXT NOT NULL,
    standfirst           TEXT NOT NULL DEFAULT '',
    excerpt              TEXT NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('draft', 'published', 'archived', 'withdrawn')),
    published_at         TIMESTAMP,
    section_id           TEXT REFERENCES sections (id) ON DELETE RESTRICT,
    credit               TEXT,
    canonical_url        TEXT,
    image_url            TEXT,
    image_alt            TEXT,
    image_caption        TEXT,
    image_credit         TEXT,
    word_count           INTEGER NOT NULL,
    reading_time_minutes INTEGER NOT NULL,
    external_id          TEXT,
    external_owner       TEXT NOT NULL DEFAULT '',
    version              INTEGER NOT NULL DEFAULT 1,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    created_by           TEXT,
    announced            BOOLEAN NOT NULL DEFAULT 0,
    -- A BCP 47 tag. Rows written before this migration have none; byline
    -- gives them the site's language when it starts.
    language             TEXT,
    -- Partners may read the story before this time; the public sees it only
    -- after it (a published story's publish time is never before it).
    embargoed_until      TIMESTAMP,
    -- Stories in one group translate each other: the group is the id of the
    -- story the first translation was made from.
    translation_group    TEXT,
    body_format          TEXT NOT NULL CHECK (body_format IN ('html', 'markdown')),
    body_html            TEXT NOT NULL,
    body_source          TEXT NOT NULL
);
INSERT INTO articles_lifecycle (
    id, slug, headline, standfirst, excerpt, status, published_at, section_id,
    credit, canonical_url, image_url, image_alt, image_caption, image_credit,
    word_count, reading_time_minutes, external_id, external_owner, version,
    created_at, updated_at, created_by, announced, body_format, body_html, body_source
)
SELECT
    id, slug, headline, standfirst, excerpt, status, published_at, section_id,
    credit, canonical_url, image_url, image_alt, image_caption, image_credit,
    word_count, reading_time_minutes, external_id, external_owner, version,
    created_at, updated_at, created_by, announced, body_format, body_html, body_source
FROM articles;
DROP TABLE articles;
ALTER TABLE articles_lifecycle RENAME TO articles;
CREATE INDEX articles_section_id_idx ON articles (section_id);
CREATE INDEX articles_status_created_idx ON articles (status, created_at, id);
CREATE UNIQUE INDEX articles_external_id_key ON articles (external_owner, external_id);
CREATE INDEX articles_due ON articles (announced, status, published_at);
CREATE INDEX articles_translation_group ON articles (translation_group);
-- The languages in use, one index seek each (see search::languages).
CREATE INDEX articles_language ON articles (language);
CREATE INDEX articles_embargo ON articles (embargoed_until);
CREATE TRIGGER articles_insert_bumps_generation AFTER INSERT ON articles
BEGIN
    UPDATE content_state SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER articles_update_bumps_generation AFTER UPDATE ON articles
BEGIN
    UPDATE content_state SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER articles_delete_bumps_generation AFTER DELETE ON articles
BEGIN
    UPDATE content_state SET generation = generation + 1 WHERE id = 1;
END;

CREATE TABLE integrations_lifecycle (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'author', 'contributor', 'partner')),
    client_id   TEXT NOT NULL CONSTRAINT integrations_client_id_key UNIQUE,
    secret_hash TEXT NOT NULL,
    revoked_at  TIMESTAMP,
    created_at  TIMESTAMP NOT NULL,
    author_id   TEXT REFERENCES authors (id) ON DELETE SET NULL
);
INSERT INTO integrations_lifecycle
    (id, name, role, client_id, secret_hash, revoked_at, created_at, author_id)
SELECT id, name, role, client_id, secret_hash, revoked_at, created_at, author_id
FROM integrations;
DROP TABLE integrations;
ALTER TABLE integrations_lifecycle RENAME TO integrations;

-- A withdrawn (killed) story: status `withdrawn`, and here the public
-- notice readers get (410) and the newsroom's internal reason, which no
-- public answer ever carries.
CREATE TABLE article_withdrawals (
    article_id TEXT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    notice TEXT NOT NULL,
    reason TEXT NOT NULL,
    -- The status it is restored to.
    previous_status TEXT NOT NULL,
    -- `user:<id>` or `integration:<id>`.
    withdrawn_by TEXT NOT NULL,
    withdrawn_at TIMESTAMP NOT NULL,
    -- Whether the public had seen it: only then do readers get the 410 and
    -- its notice (a story killed before release stays a plain 404).
    was_public BOOLEAN NOT NULL DEFAULT FALSE
);
COMMIT;
PRAGMA foreign_keys = ON;
