-- External ids stay unique per sender; the old global key is not restored
-- (two senders may now hold the same id).
ALTER TABLE integrations DROP COLUMN author_id;
ALTER TABLE authors DROP COLUMN listed;
ALTER TABLE sections DROP COLUMN listed;
ALTER TABLE tags DROP COLUMN held;
ALTER TABLE tags DROP COLUMN listed;
