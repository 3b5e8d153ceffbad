-- External ids belong to whoever sent them: the unique key becomes
-- (external_owner, external_id), so one newsroom tool's ids can never be
-- taken, or written through, by another caller.
ALTER TABLE articles ADD COLUMN external_owner TEXT NOT NULL DEFAULT '';
UPDATE articles SET external_owner = COALESCE(created_by, '') WHERE external_id IS NOT NULL;
ALTER TABLE articles DROP CONSTRAINT articles_external_id_key;
CREATE UNIQUE INDEX articles_external_id_key ON articles (external_owner, external_id);

-- Taxonomy is public when a public story uses it, or when an editor lists
-- it on purpose. Tags a draft names into being start unlisted. Existing
-- tags cannot tell how they were made, so they start unlisted too (a
-- public story still shows them); sections and authors were only ever made
-- by editors.
ALTER TABLE tags ADD COLUMN listed BOOLEAN NOT NULL DEFAULT FALSE;
-- An editor's unlisted tag is held back on purpose: below the editor role a
-- story may not make it public by being published with it. A tag a draft
-- named into being is not held: whoever publishes such a story publishes
-- the tag with it.
ALTER TABLE tags ADD COLUMN held BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE sections ADD COLUMN listed BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE authors ADD COLUMN listed BOOLEAN NOT NULL DEFAULT TRUE;

-- A newsroom tool may write as an author profile, as a person can.
ALTER TABLE integrations ADD COLUMN author_id TEXT REFERENCES authors (id) ON DELETE SET NULL;
