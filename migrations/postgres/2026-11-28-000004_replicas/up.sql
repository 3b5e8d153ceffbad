-- The content generation: a number that changes whenever published
-- content may have changed. Each byline process keeps a response cache and
-- polls this one row to learn of writes made through other processes. The
-- triggers fire once per statement, and the row's update commits (or rolls
-- back) with the write that caused it.
CREATE TABLE content_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);
INSERT INTO content_state (id, generation) VALUES (1, 0);

-- Once per transaction is enough (the row's new value becomes visible at
-- commit either way), and it keeps a long transaction from piling up row
-- versions. The marker is a transaction-local setting, which a rolled-back
-- savepoint undoes together with its update.
CREATE FUNCTION bump_content_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('byline.generation_bumped_in', true) IS DISTINCT FROM txid_current()::text THEN
        UPDATE content_state SET generation = generation + 1 WHERE id = 1;
        PERFORM set_config('byline.generation_bumped_in', txid_current()::text, true);
    END IF;
    RETURN NULL;
END;
$$;

-- Periodic upkeep (for example forgetting expired idempotency keys): each
-- job's last run, claimed with one conditional UPDATE so that with several
-- replicas a job runs once per interval, not once per replica.
CREATE TABLE maintenance_jobs (
    job TEXT PRIMARY KEY NOT NULL,
    last_run_at TIMESTAMP NOT NULL,
    runs BIGINT NOT NULL DEFAULT 0
);

CREATE TRIGGER sections_bumps_generation AFTER INSERT OR UPDATE OR DELETE ON sections
    FOR EACH STATEMENT EXECUTE FUNCTION bump_content_generation();
CREATE TRIGGER tags_bumps_generation AFTER INSERT OR UPDATE OR DELETE ON tags
    FOR EACH STATEMENT EXECUTE FUNCTION bump_content_generation();
CREATE TRIGGER authors_bumps_generation AFTER INSERT OR UPDATE OR DELETE ON authors
    FOR EACH STATEMENT EXECUTE FUNCTION bump_content_generation();
CREATE TRIGGER articles_bumps_generation AFTER INSERT OR UPDATE OR DELETE ON articles
    FOR EACH STATEMENT EXECUTE FUNCTION bump_content_generation();
CREATE TRIGGER article_authors_bumps_generation AFTER INSERT OR UPDATE OR DELETE ON article_authors
    FOR EACH STATEMENT EXECUTE FUNCTION bump_content_generation();
CREATE TRIGGER article_tags_bumps_generation AFTER INSERT OR UPDATE OR DELETE ON article_tags
    FOR EACH STATEMENT EXECUTE FUNCTION bump_content_generation();
CREATE TRIGGER article_related_bumps_generation AFTER INSERT OR UPDATE OR DELETE ON article_related
    FOR EACH STATEMENT EXECUTE FUNCTION bump_content_generation();
CREATE TRIGGER article_feeds_bumps_generation AFTER INSERT OR UPDATE OR DELETE ON article_feeds
    FOR EACH STATEMENT EXECUTE FUNCTION bump_content_generation();

INSERT INTO maintenance_jobs (job, last_run_at, runs)
VALUES ('forget-idempotency-keys', '1970-01-01 00:00:00', 0);
