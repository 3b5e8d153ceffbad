-- The full-text index: one row per article in every state, holding the
-- plain text of its headline, standfirst and body, written in the same
-- transaction as the article. Who may find a row is decided at query time
-- from the article (status and publish time), so a scheduled story becomes
-- findable the moment it is due and never before.
CREATE TABLE article_search (
    doc INTEGER PRIMARY KEY,
    article_id TEXT NOT NULL UNIQUE REFERENCES articles (id) ON DELETE CASCADE,
    headline TEXT NOT NULL,
    standfirst TEXT NOT NULL,
    body TEXT NOT NULL
);

-- FTS5 over that table (external content, so the text is stored once),
-- English stemming, accents folded. Triggers keep it in step inside the
-- writing transaction.
CREATE VIRTUAL TABLE article_search_fts USING fts5(
    headline, standfirst, body,
    content = 'article_search',
    content_rowid = 'doc',
    tokenize = 'porter unicode61 remove_diacritics 2'
);

-- The public stories alone, for public searches: bm25 weighs words by how
-- many indexed rows hold them, so ranking against every row would let a
-- reader's scores tell which words unpublished stories contain. byline
-- keeps it in the writing transaction (a story enters when the event log
-- announces it public, and leaves when it stops being public); deleting
-- the index row removes it (the trigger below). Contentless: the text is
-- read from article_search.
CREATE VIRTUAL TABLE article_search_public USING fts5(
    headline, standfirst, body,
    content = '',
    contentless_delete = 1,
    tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER article_search_inserted AFTER INSERT ON article_search BEGIN
    INSERT INTO article_search_fts (rowid, headline, standfirst, body)
    VALUES (new.doc, new.headline, new.standfirst, new.body);
END;

CREATE TRIGGER article_search_deleted AFTER DELETE ON article_search BEGIN
    INSERT INTO article_search_fts (article_search_fts, rowid, headline, standfirst, body)
    VALUES ('delete', old.doc, old.headline, old.standfirst, old.body);
    DELETE FROM article_search_public WHERE rowid = old.doc;
END;

CREATE TRIGGER article_search_updated AFTER UPDATE ON article_search BEGIN
    INSERT INTO article_search_fts (article_search_fts, rowid, headline, standfirst, body)
    VALUES ('delete', old.doc, old.headline, old.standfirst, old.body);
    INSERT INTO article_search_fts (rowid, headline, standfirst, body)
    VALUES (new.doc, new.headline, new.standfirst, new.body);
END;
