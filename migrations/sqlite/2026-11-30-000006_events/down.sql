DROP INDEX articles_due;
ALTER TABLE articles DROP COLUMN announced;
ALTER TABLE content_state DROP COLUMN events_pruned_through;
ALTER TABLE content_state DROP COLUMN event_seq;
DROP TABLE events;
