DROP TRIGGER listing_months_update;
DROP TRIGGER listing_months_delete;
DROP TRIGGER listing_months_insert;
DROP TABLE listing_months;
