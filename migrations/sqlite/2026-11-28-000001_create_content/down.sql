DROP TABLE article_feeds;
DROP TABLE article_related;
DROP TABLE article_tags;
DROP TABLE article_authors;
DROP TABLE articles;
DROP TABLE authors;
DROP TABLE tags;
DROP TABLE sections;
