-- The content generation: a number that changes whenever published
-- content may have changed. Each byline process keeps a response cache and
-- polls this one row to learn of writes made through other processes.
--
-- SQLite triggers fire per row, so they sit on the four tables every
-- content write touches: a change to an article's tags, authors, links or
-- listing always rewrites the article's own row (its version) in the same
-- transaction, and removing a tag, author or section fires on that table.
CREATE TABLE content_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);
INSERT INTO content_state (id, generation) VALUES (1, 0);

-- Periodic upkeep (for example forgetting expired idempotency keys): each
-- job's last run, claimed with one conditional UPDATE so that with several
-- replicas a job runs once per interval, not once per replica.
CREATE TABLE maintenance_jobs (
    job TEXT PRIMARY KEY NOT NULL,
    last_run_at TIMESTAMP NOT NULL,
    runs BIGINT NOT NULL DEFAULT 0
);

CREATE TRIGGER sections_insert_bumps_generation AFTER INSERT ON sections
BEGIN
    UPDATE content_state SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER sections_update_bumps_generation AFTER UPDATE ON sections
BEGIN
    UPDATE content_state SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER sections_delete_bumps_generation AFTER DELETE ON sections
BEGIN
    UPDATE content_state SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER tags_insert_bumps_generation AFTER INSERT ON tags
BEGIN
    UPDATE content_state SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER tags_update_bumps_generation AFTER UPDATE ON tags
BEGIN
    UPDATE content_state SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER tags_delete_bumps_generation AFTER DELETE ON tags
BEGIN
    UPDATE content_state SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER authors_insert_bumps_generation AFTER INSERT ON authors
BEGIN
    UPDATE content_state SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER authors_update_bumps_generation AFTER UPDATE ON authors
BEGIN
    UPDATE content_state SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER authors_delete_bumps_generation AFTER DELETE ON authors
BEGIN
    UPDATE content_state SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER articles_insert_bumps_generation AFTER INSERT ON articles
BEGIN
    UPDATE content_state SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER articles_update_bumps_generation AFTER UPDATE ON articles
BEGIN
    UPDATE content_state SET generation = generation + 1 WHERE id = 1;
END;
CREATE TRIGGER articles_delete_bumps_generation AFTER DELETE ON articles
BEGIN
    UPDATE content_state SET generation = generation + 1 WHERE id = 1;
END;

INSERT INTO maintenance_jobs (job, last_run_at, runs)
VALUES ('forget-idempotency-keys', '1970-01-01 00:00:00', 0);
