-- The full-text index: one row per article in every state, holding the
-- plain text of its headline, standfirst and body, written in the same
-- transaction as the article. Who may find a row is decided at query time
-- from the article (status and publish time), so a scheduled story becomes
-- findable the moment it is due and never before.
--
-- `document` weighs the headline (A) above the standfirst (B) and the body
-- (C), under the row's text-search configuration, behind a GIN index.
-- `doc` numbers rows in the order they were first written, as SQLite's
-- rowid does: a query matching very many stories ranks the newest of them.
CREATE TABLE article_search (
    article_id TEXT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    doc BIGSERIAL NOT NULL,
    headline TEXT NOT NULL,
    standfirst TEXT NOT NULL,
    body TEXT NOT NULL,
    config REGCONFIG NOT NULL DEFAULT 'english',
    document TSVECTOR GENERATED ALWAYS AS (
        setweight(to_tsvector(config, headline), 'A')
        || setweight(to_tsvector(config, standfirst), 'B')
        || setweight(to_tsvector(config, body), 'C')
    ) STORED
);
CREATE INDEX article_search_document ON article_search USING GIN (document);
CREATE INDEX article_search_doc ON article_search (doc);
