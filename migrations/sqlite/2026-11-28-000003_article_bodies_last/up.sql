-- Moves the story bodies to the end of the articles row. SQLite reads a
-- row's columns in order, so every column after a body (status,
-- published_at, excerpt, ...) cost a walk through the body's overflow pages:
-- summaries, links and visibility checks read twelve kilobytes they never
-- used. The table is rebuilt the way SQLite documents (foreign keys off, copy,
-- drop, rename), in one transaction.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE articles_reordered (
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
    external_id          TEXT CONSTRAINT articles_external_id_key UNIQUE,
    version              INTEGER NOT NULL DEFAULT 1,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    created_by           TEXT,
    body_format          TEXT NOT NULL CHECK (body_format IN ('html', 'markdown')),
    body_html            TEXT NOT NULL,
    body_source          TEXT NOT NULL
);
INSERT INTO articles_reordered (
    id, slug, headline, standfirst, excerpt, status, published_at, section_id,
    credit, canonical_url, image_url, image_alt, image_caption, image_credit,
    word_count, reading_time_minutes, external_id, version, created_at,
    updated_at, created_by, body_format, body_html, body_source
)
SELECT
    id, slug, headline, standfirst, excerpt, status, published_at, section_id,
    credit, canonical_url, image_url, image_alt, image_caption, image_credit,
    word_count, reading_time_minutes, external_id, version, created_at,
    updated_at, created_by, body_format, body_html, body_source
FROM articles;
DROP TABLE articles;
ALTER TABLE articles_reordered RENAME TO articles;
CREATE INDEX articles_section_id_idx ON articles (section_id);
CREATE INDEX articles_status_created_idx ON articles (status, created_at, id);
COMMIT;
PRAGMA foreign_keys = ON;
