DROP TRIGGER article_search_updated;
DROP TRIGGER article_search_deleted;
DROP TRIGGER article_search_inserted;
DROP TABLE article_search_public;
DROP TABLE article_search_fts;
DROP TABLE article_search;
