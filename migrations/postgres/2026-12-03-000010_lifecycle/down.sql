DROP TABLE article_withdrawals;
DROP INDEX articles_embargo;
DROP INDEX articles_translation_group;
DROP INDEX articles_language;
ALTER TABLE articles DROP COLUMN translation_group;
ALTER TABLE articles DROP COLUMN embargoed_until;
ALTER TABLE articles DROP COLUMN language;
ALTER TABLE integrations DROP CONSTRAINT integrations_role_check;
ALTER TABLE integrations ADD CONSTRAINT integrations_role_check
    CHECK (role IN ('admin', 'editor', 'author', 'contributor'));
ALTER TABLE articles DROP CONSTRAINT articles_status_check;
ALTER TABLE articles ADD CONSTRAINT articles_status_check
    CHECK (status IN ('draft', 'published', 'archived'));
