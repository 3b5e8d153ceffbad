DROP TRIGGER listing_months_track ON article_feeds;
DROP FUNCTION listing_months_track();
DROP TABLE listing_months;
