-- Corrections to published stories, shown in public, oldest first. There
-- is no way to edit one; a later correction can amend an earlier one, and
-- only an admin can delete one (which leaves a revision saying so).
CREATE TABLE corrections (
    id TEXT PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    -- The earlier correction of the same story this one amends.
    amends TEXT REFERENCES corrections (id) ON DELETE SET NULL,
    -- `user:<id>` or `integration:<id>`.
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX corrections_article ON corrections (article_id, created_at);
