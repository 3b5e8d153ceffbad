-- The public listing's stories per month (feed 'all', by the month of
-- listed_at), kept by a trigger on every change to article_feeds, so the
-- sitemap index reads one row a month instead of counting the archive.
CREATE TABLE listing_months (
    month   TEXT PRIMARY KEY,
    stories BIGINT NOT NULL
);

INSERT INTO listing_months (month, stories)
    SELECT to_char(listed_at, 'YYYY-MM'), count(*) FROM article_feeds
    WHERE feed = 'all' GROUP BY 1;

CREATE FUNCTION listing_months_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        IF OLD.feed = 'all' THEN
            UPDATE listing_months SET stories = stories - 1
                WHERE month = to_char(OLD.listed_at, 'YYYY-MM');
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        IF NEW.feed = 'all' THEN
            INSERT INTO listing_months (month, stories)
                VALUES (to_char(NEW.listed_at, 'YYYY-MM'), 1)
                ON CONFLICT (month) DO UPDATE SET stories = listing_months.stories + 1;
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER listing_months_track
    AFTER INSERT OR DELETE OR UPDATE OF feed, listed_at ON article_feeds
    FOR EACH ROW EXECUTE FUNCTION listing_months_track();
