-- The event log: one row per content change, written in the change's own
-- transaction. `seq` comes from content_state.event_seq, which every write
-- transaction locks first, so sequence numbers are gapless and in commit
-- order: a reader that has seen N has seen everything before N.
CREATE TABLE events (
    seq BIGINT PRIMARY KEY,
    -- What happened, as the newsroom sees it: article.scheduled, ...
    type TEXT NOT NULL,
    -- What the public sees of it, or NULL when the public sees nothing
    -- (a draft saved). Unpublishing, archiving and deleting are all
    -- article.unpublished to the public, with a tombstone.
    public_type TEXT,
    occurred_at TIMESTAMP NOT NULL,
    resource TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    slug TEXT NOT NULL,
    -- The surrogate keys the change invalidates, as a JSON array; and
    -- those the public may see (none that name a story, section or tag
    -- the public cannot see yet).
    keys TEXT NOT NULL,
    public_keys TEXT NOT NULL DEFAULT '[]',
    -- The newsroom's view of the change (JSON).
    data TEXT NOT NULL,
    -- The public representation after the change, or a tombstone (JSON).
    public_data TEXT,
    -- Whose story it is, for role filtering: its creator and bylines.
    owner TEXT,
    author_ids TEXT NOT NULL DEFAULT '[]',
    -- The content generation before and after the transaction: a replica
    -- that follows the log sees a gap when content changed without events.
    generation_before BIGINT NOT NULL DEFAULT 0,
    generation_after BIGINT NOT NULL DEFAULT 0,
    -- A later public event about the same resource exists, and this one's
    -- public_data was cut down to id, slug and superseded_by.
    superseded BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX events_occurred_at ON events (occurred_at);
CREATE INDEX events_resource ON events (resource_id, seq);

ALTER TABLE content_state ADD COLUMN event_seq BIGINT NOT NULL DEFAULT 0;
-- Events up to here were forgotten (retention): older cursors get 410.
ALTER TABLE content_state ADD COLUMN events_pruned_through BIGINT NOT NULL DEFAULT 0;

-- Whether the log has announced the story as public. A scheduled story
-- becomes visible with no write; the first replica to see it due flips
-- this flag with a conditional UPDATE and appends article.published in the
-- same transaction, so the event happens once, even after downtime.
ALTER TABLE articles ADD COLUMN announced BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE articles SET announced = TRUE
    WHERE status = 'published' AND published_at <= (now() AT TIME ZONE 'UTC');
CREATE INDEX articles_due ON articles (announced, status, published_at);

-- Woken listeners learn the new sequence number at commit.
CREATE FUNCTION notify_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('byline_events', NEW.seq::text);
    RETURN NULL;
END;
$$;
CREATE TRIGGER events_notify AFTER INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION notify_event();
