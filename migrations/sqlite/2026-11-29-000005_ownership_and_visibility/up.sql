-- External ids belong to whoever sent them: the unique key becomes
-- (external_owner, external_id), so one newsroom tool's ids can never be
-- taken, or written through, by another caller. SQLite cannot drop the old
-- column constraint, so the table is rebuilt (bodies stay last; see
-- 2026-11-28-000003), and its generation triggers with it.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE articles_owned (
    id                   TEXT PRIMARY KEY NOT NULL,
    slug                 TEXT NOT NULL CONSTRAINT articles_slug_key UNIQUE,
    headline             TEXT NOT NULL,
    standfirst           TEXT NOT NULL DEFAULT '',
    excerpt              TEXT NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('draft', 'published', 'archived')),
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
    body_format          TEXT NOT NULL CHECK (body_format IN ('html', 'markdown')),
    body_html            TEXT NOT NULL,
    body_source          TEXT NOT NULL
);
INSERT INTO articles_owned (
    id, slug, headline, standfirst, excerpt, status, published_at, section_id,
    credit, canonical_url, image_url, image_alt, image_caption, image_credit,
    word_count, reading_time_minutes, external_id, external_owner, version,
    created_at, updated_at, created_by, body_format, body_html, body_source
)
SELECT
    id, slug, headline, standfirst, excerpt, status, published_at, section_id,
    credit, canonical_url, image_url, image_alt, image_caption, image_credit,
    word_count, reading_time_minutes, external_id,
    CASE WHEN external_id IS NULL THEN '' ELSE COALESCE(created_by, '') END,
    version, created_at, updated_at, created_by, body_format, body_html, body_source
FROM articles;
DROP TABLE articles;
ALTER TABLE articles_owned RENAME TO articles;
CREATE INDEX articles_section_id_idx ON articles (section_id);
CREATE INDEX articles_status_created_idx ON articles (status, created_at, id);
CREATE UNIQUE INDEX articles_external_id_key ON articles (external_owner, external_id);
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

-- Taxonomy is public when a public story uses it, or when an editor lists
-- it on purpose. Tags a draft names into being start unlisted. Existing
-- tags cannot tell how they were made, so they start unlisted too (a
-- public story still shows them); sections and authors were only ever made
-- by editors.
ALTER TABLE tags ADD COLUMN listed BOOLEAN NOT NULL DEFAULT FALSE;
-- An editor's unlisted tag is held back on purpose: below the editor role a
-- story may not make it public by being published with it. A tag a draft
-- named into being is not held: whoever publishes such a story publishes
-- the tag with it.
ALTER TABLE tags ADD COLUMN held BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE sections ADD COLUMN listed BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE authors ADD COLUMN listed BOOLEAN NOT NULL DEFAULT TRUE;

-- A newsroom tool may write as an author profile, as a person can.
ALTER TABLE integrations ADD COLUMN author_id TEXT REFERENCES authors (id) ON DELETE SET NULL;
COMMIT;
PRAGMA foreign_keys = ON;
