-- The public listing's stories per month (feed 'all', by the month of
-- listed_at), kept by triggers on every change to article_feeds, so the
-- sitemap index reads one row a month instead of counting the archive.
CREATE TABLE listing_months (
    month   TEXT PRIMARY KEY NOT NULL,
    stories BIGINT NOT NULL
);

INSERT INTO listing_months (month, stories)
    SELECT substr(listed_at, 1, 7), count(*) FROM article_feeds
    WHERE feed = 'all' GROUP BY substr(listed_at, 1, 7);

CREATE TRIGGER listing_months_insert AFTER INSERT ON article_feeds
WHEN NEW.feed = 'all'
BEGIN
    INSERT INTO listing_months (month, stories) VALUES (substr(NEW.listed_at, 1, 7), 1)
        ON CONFLICT (month) DO UPDATE SET stories = stories + 1;
END;

CREATE TRIGGER listing_months_delete AFTER DELETE ON article_feeds
WHEN OLD.feed = 'all'
BEGIN
    UPDATE listing_months SET stories = stories - 1
        WHERE month = substr(OLD.listed_at, 1, 7);
END;

CREATE TRIGGER listing_months_update AFTER UPDATE OF feed, listed_at ON article_feeds
BEGIN
    UPDATE listing_months SET stories = stories - 1
        WHERE OLD.feed = 'all' AND month = substr(OLD.listed_at, 1, 7);
    INSERT INTO listing_months (month, stories)
        SELECT substr(NEW.listed_at, 1, 7), 1 WHERE NEW.feed = 'all'
        ON CONFLICT (month) DO UPDATE SET stories = stories + 1;
END;
