-- The widened CHECK constraints (status `withdrawn`, role `partner`) stay:
-- narrowing them would need another rebuild, and rows using them would
-- have to go first.
DROP TABLE article_withdrawals;
DROP INDEX articles_embargo;
DROP INDEX articles_translation_group;
DROP INDEX articles_language;
ALTER TABLE articles DROP COLUMN translation_group;
ALTER TABLE articles DROP COLUMN embargoed_until;
ALTER TABLE articles DROP COLUMN language;
