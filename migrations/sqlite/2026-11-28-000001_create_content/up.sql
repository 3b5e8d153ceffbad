-- Content model. Ids are UUIDs stored as text and timestamps are UTC, so the
-- same diesel schema serves SQLite and PostgreSQL (see src/db.rs).
CREATE TABLE sections (
    id          TEXT PRIMARY KEY NOT NULL,
    slug        TEXT NOT NULL CONSTRAINT sections_slug_key UNIQUE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    position    INTEGER NOT NULL DEFAULT 0,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

CREATE TABLE tags (
    id          TEXT PRIMARY KEY NOT NULL,
    slug        TEXT NOT NULL CONSTRAINT tags_slug_key UNIQUE,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

CREATE TABLE authors (
    id          TEXT PRIMARY KEY NOT NULL,
    slug        TEXT NOT NULL CONSTRAINT authors_slug_key UNIQUE,
    name        TEXT NOT NULL,
    bio         TEXT NOT NULL DEFAULT '',
    avatar_url  TEXT,
    website     TEXT,
    email       TEXT,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

CREATE TABLE articles (
    id                   TEXT PRIMARY KEY NOT NULL,
    slug                 TEXT NOT NULL CONSTRAINT articles_slug_key UNIQUE,
    headline             TEXT NOT NULL,
    standfirst           TEXT NOT NULL DEFAULT '',
    body_html            TEXT NOT NULL,
    body_source          TEXT NOT NULL,
    body_format          TEXT NOT NULL CHECK (body_format IN ('html', 'markdown')),
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
    updated_at           TIMESTAMP NOT NULL
);
CREATE INDEX articles_section_id_idx ON articles (section_id);

CREATE TABLE article_authors (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    author_id  TEXT NOT NULL REFERENCES authors (id) ON DELETE RESTRICT,
    position   INTEGER NOT NULL,
    PRIMARY KEY (article_id, author_id)
);
CREATE INDEX article_authors_author_id_idx ON article_authors (author_id);

CREATE TABLE article_tags (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    tag_id     TEXT NOT NULL REFERENCES tags (id) ON DELETE RESTRICT,
    position   INTEGER NOT NULL,
    PRIMARY KEY (article_id, tag_id)
);
CREATE INDEX article_tags_tag_id_idx ON article_tags (tag_id);

-- Editor-picked "Also read" links, in order.
CREATE TABLE article_related (
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    related_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    PRIMARY KEY (article_id, related_id)
);
CREATE INDEX article_related_related_id_idx ON article_related (related_id);

-- The public listing index. One row per (feed, published article): feed is
-- 'all', 's:<section id>', 't:<tag id>' or 'a:<author id>'. Only articles with
-- status 'published' have rows; listed_at is their publish time, so a
-- scheduled story is filtered by `listed_at <= now` with no job to run.
-- Every public list, filter and "latest from" block is one keyset range scan
-- of the primary key, at any depth and any size.
CREATE TABLE article_feeds (
    feed       TEXT NOT NULL,
    listed_at  TIMESTAMP NOT NULL,
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    PRIMARY KEY (feed, listed_at, article_id)
) WITHOUT ROWID;
CREATE INDEX article_feeds_article_id_idx ON article_feeds (article_id, feed);
