-- The story lifecycle beyond drafts: languages, translations, embargoes
-- and withdrawals, and the read-only `partner` role for integrations.
ALTER TABLE articles DROP CONSTRAINT articles_status_check;
ALTER TABLE articles ADD CONSTRAINT articles_status_check
    CHECK (status IN ('draft', 'published', 'archived', 'withdrawn'));
ALTER TABLE integrations DROP CONSTRAINT integrations_role_check;
ALTER TABLE integrations ADD CONSTRAINT integrations_role_check
    CHECK (role IN ('admin', 'editor', 'author', 'contributor', 'partner'));
--
-- `language` is a BCP 47 tag. Rows written before this migration have
-- none; byline fills in the site's language when it starts.
ALTER TABLE articles ADD COLUMN language TEXT;
-- Partners may read the story before this time; the public sees it only
-- after it (a published story's publish time is never before it).
ALTER TABLE articles ADD COLUMN embargoed_until TIMESTAMP;
-- Stories in one group translate each other: the group is the id of the
-- story the first translation was made from.
ALTER TABLE articles ADD COLUMN translation_group TEXT;
CREATE INDEX articles_translation_group ON articles (translation_group);
-- The languages in use, one index seek each (see search::languages).
CREATE INDEX articles_language ON articles (language);
CREATE INDEX articles_embargo ON articles (embargoed_until);

-- A withdrawn (killed) story: status `withdrawn`, and here the public
-- notice readers get (410) and the newsroom's internal reason, which no
-- public answer ever carries.
CREATE TABLE article_withdrawals (
    article_id TEXT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    notice TEXT NOT NULL,
    reason TEXT NOT NULL,
    -- The status it is restored to.
    previous_status TEXT NOT NULL,
    -- `user:<id>` or `integration:<id>`.
    withdrawn_by TEXT NOT NULL,
    withdrawn_at TIMESTAMP NOT NULL,
    -- Whether the public had seen it: only then do readers get the 410 and
    -- its notice (a story killed before release stays a plain 404).
    was_public BOOLEAN NOT NULL DEFAULT FALSE
);
